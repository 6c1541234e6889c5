# deps.mk - each need of the kit installs (or names) only what it uses.
# mk/deps.sh probes and installs; a stamp per need, build/.deps-NEED, skips
# the probe next time (make clean forgets them).
#   deps-cc      a C compiler and make (build-essential)
#   deps-check   + Check and pkg-config: make check, the visible tests
#   deps-grade   + libseccomp-dev: the graders' sandbox; python3: the build generates
#                adapters (describe.py) and mistake models (apply_mut.py)
#   deps-plots   gnuplot-nox, graphviz: make plots
#   deps-python  python3, python3-numpy: kit tools and cross-checks
#   deps-test    all of the above + valgrind, bsdextrautils (column), ccache
#                (optional: the stages' own compiles, cached between runs): make test
DEPS_NEEDS := cc check grade plots python test
DEPS_WHO = make $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))

.PHONY: deps deps-build $(addprefix deps-,$(DEPS_NEEDS))
deps: deps-test ## install every Debian package the kit uses (apt-get; root)
deps-build: deps-cc
$(foreach n,$(DEPS_NEEDS),$(eval deps-$(n): $(B)/.deps-$(n)))

$(B)/.deps-%:
	@bash mk/deps.sh $* "$(DEPS_WHO)"
	@mkdir -p $(@D) && touch $@
