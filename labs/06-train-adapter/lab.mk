# lab.mk - Lab 06's figures and extra checks, included by the root Makefile.
