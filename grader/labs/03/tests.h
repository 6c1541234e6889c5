/* tests.h - what Lab 03's test files share (tests.c defines it). */
#ifndef LORALAB_LAB03_TESTS_H
#define LORALAB_LAB03_TESTS_H

#include "test.h"

/* A guard test (inputs kept, bad arguments rejected, an empty batch) gives
 * its points only together with a correct result, so a stub that returns a
 * constant, writes zeros or copies its inputs earns nothing: the test first
 * makes a valid call that must match the reference (the *_works helpers). */
void needs_working(judge_t *j, const char *func);

#endif
