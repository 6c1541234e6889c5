# deps.mk - install what the kit needs with apt-get when it is missing.
# Packages: check (unit tests), gnuplot-nox (plots), graphviz (diagrams),
# pkg-config, libseccomp-dev (the grader's sandbox), python3 and
# python3-numpy (kit tools and cross-checks).
DEB_PACKAGES := check gnuplot-nox graphviz pkg-config libseccomp-dev python3 python3-numpy
DEPS_STAMP := build/.deps-ok

.PHONY: deps deps-build
deps: $(DEPS_STAMP) ## install missing Debian packages (apt-get; needs root and network)
deps-build: $(DEPS_STAMP)

$(DEPS_STAMP):
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing missing packages: $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "error: not root. Run: sudo apt-get update && sudo apt-get install -y $$missing"; exit 1; fi; \
	  { apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
	    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; }; } || { \
	    echo "error: apt-get could not install: $$missing (no network?)."; \
	    echo "Run, as root with network: apt-get update && apt-get install -y $$missing"; exit 1; }; \
	fi
	@mkdir -p $(@D) && touch $@
