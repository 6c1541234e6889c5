# docs.mk - the READMEs' shown outputs stay equal to the commands that print them.
.PHONY: readme-outputs
LAB_TESTS += readme-outputs
# Under make test (LORALAB_BUILD_CACHE set), grade-all's gradings are kept
# in make test's cache (tools/grade_all.py: LORALAB_GRADE_ALL_CACHE): a
# fresh clone's README class (62 entries, 44 CPU-s measured) is graded again
# only when something a grading reads changes (grade_all.py: grading_inputs),
# not once per clone or commit; tests/test_grade_all.py
# grades its classes afresh every time.
readme-outputs: $(B)/libcommon.a | deps-test ## README blocks marked <!-- kit-output: CMD --> equal CMD's output
	$(if $(LORALAB_BUILD_CACHE),LORALAB_GRADE_ALL_CACHE="$(LORALAB_BUILD_CACHE)") $(PY) tests/check_readme_outputs.py
