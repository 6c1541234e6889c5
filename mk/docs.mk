# docs.mk - the READMEs' shown outputs stay equal to the commands that print them.
.PHONY: readme-outputs
LAB_TESTS += readme-outputs
readme-outputs: $(B)/libcommon.a | deps-test ## README blocks marked <!-- kit-output: CMD --> equal CMD's output
	$(PY) tests/check_readme_outputs.py
