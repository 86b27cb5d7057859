# SPDX-License-Identifier: GPL-2.0
#
# kfiles.mk: link the kfiles crates (procfs, seq_file, debugfs and relay
# support) into an out-of-tree Rust kernel module as real crate dependencies.
#
# In your module's Kbuild file:
#
#   KFILES_DIR := /path/to/kfiles-rs          # this repository
#   KFILES_CRATES := debugfs_rs               # optional: the crates you use
#   include $(KFILES_DIR)/kbuild/kfiles.mk
#
#   obj-m := mydrv.o
#   mydrv-y := $(kfiles-objs) mydrv_main.o
#   RUSTFLAGS_mydrv_main.o += $(kfiles-rustflags)
#   $(obj)/mydrv_main.o: $(kfiles-deps)
#
# and in mydrv_main.rs, `use debugfs_rs::...;`. Build with the kernel's
# usual `make -C $(KDIR) M=$(PWD) LLVM=1`, plus `BINDGEN=` if bindgen is not
# on PATH. Each module gets its own copy of the crates (as with any static
# library); nothing is exported between modules.
#
# What this file does:
# - generates `kfiles_ffi.rs` with bindgen from the C flags of the tree being
#   built against (crates/kfiles-ffi), and compiles the C helpers;
# - compiles each crate from its source in this repository as an rlib object
#   plus `lib<crate>.rmeta` in the module's build directory, so later crates
#   and the driver can `--extern` it;
# - compiles registry crates the kfiles crates use (static_assertions) from the
#   source Cargo resolved for this workspace (Cargo.lock), with kernel flags;
# - sets the `--cfg` flags of crates/kfiles-compat for the kernel version.

KFILES_DIR ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
KFILES_CRATES_DIR := $(KFILES_DIR)/crates
KFILES_FFI_DIR := $(KFILES_CRATES_DIR)/kfiles-ffi

# ---- Kernel version: the one place that maps it to --cfg flags -------------
# kfiles_legacy_api: the Rust API of 6.12-era kernels (see crates/kfiles-compat).
kfiles-kver := $(shell echo $$(( $(VERSION) * 1000 + $(PATCHLEVEL) )))
KFILES_CFGS := $(if $(filter 1,$(shell [ $(kfiles-kver) -lt 6018 ] && echo 1)),--cfg kfiles_legacy_api)
# kfiles_relay_prev_padding: rchan_callbacks.subbuf_start still takes
# prev_padding (removed in 6.17-ish); tested on the header, not the version.
kfiles-relay-prev-padding := $(shell grep -s -q 'size_t prev_padding' $(srctree)/include/linux/relay.h && echo 1)
KFILES_CFGS += $(if $(kfiles-relay-prev-padding),--cfg kfiles_relay_prev_padding)

# Kbuild names a Rust object's crate after the object file on 6.12 but after
# the source file since 6.18-ish; name it explicitly when Kbuild does not.
# (The rustdoc rule below always names the crate itself.)
kfiles-crate-name = $(if $(filter %.rustdoc,$@)$(findstring --crate-name,$(value rust_common_cmd)),, \
	--crate-name $(basename $(notdir $@)))

# ---- Registry crates, from the source Cargo resolved ------------------------
# Prints the directory of registry crate $(1) as pinned by Cargo.lock,
# downloading it into Cargo's cache the first time.
kfiles-registry-dir = $(patsubst %/Cargo.toml,%,$(shell \
	cargo metadata --locked --format-version 1 --manifest-path $(KFILES_DIR)/Cargo.toml 2>/dev/null \
	| grep -o '"manifest_path":"[^"]*/$(1)-[0-9][^"/]*/Cargo.toml"' | head -n 1 | cut -d'"' -f4))

kfiles-static-assertions-dir := $(call kfiles-registry-dir,static_assertions)
ifeq ($(kfiles-static-assertions-dir),)
$(error kfiles: cannot find static_assertions through `cargo metadata` on $(KFILES_DIR)/Cargo.toml; is cargo on PATH?)
endif

# ---- Generated bindings and C helpers ---------------------------------------
quiet_cmd_kfiles_bindgen = BINDGEN $@
      cmd_kfiles_bindgen = { cat $(KFILES_FFI_DIR)/src/lib.rs; \
	$(BINDGEN) $(KFILES_FFI_DIR)/wrapper.h --use-core --with-derive-default \
	--ctypes-prefix kernel::ffi --no-layout-tests --no-debug '.*' \
	--enable-function-attribute-detection --no-recursive-allowlist \
	--allowlist-function 'proc_(create|create_data|create_mount_point|create_single_data|create_seq_private|mkdir|mkdir_mode|mkdir_data|symlink|remove|set_size|set_user|get_parent_data)|remove_proc_entry|pde_data|seq_(read|read_iter|lseek|write|printf|putc|puts|escape_mem|open|release|open_private|release_private|pad|hex_dump|has_overflowed|file_path)|__seq_open_private|single_(open|open_size|release)|simple_read_from_buffer|kstrtobool|relay_.*|cancel_delayed_work_sync|kfiles_.*|generic_file_llseek|default_llseek|no_llseek|noop_llseek|fixed_size_llseek|no_seek_end_llseek|nonseekable_open|stream_open|simple_open' \
	--allowlist-type 'proc_ops|proc_dir_entry|rchan.*|irq_work|delayed_work|kfiles_.*' \
	--allowlist-var 'KFILES_.*' \
	--raw-line 'use kernel::bindings::*;' \
	-- $(c_flags) -I$(KFILES_FFI_DIR) -DMODULE -fno-builtin -D__BINDGEN__; } > $@

$(obj)/kfiles_ffi.rs: $(KFILES_FFI_DIR)/wrapper.h $(KFILES_FFI_DIR)/kfiles_helpers.h \
		      $(KFILES_FFI_DIR)/src/lib.rs FORCE
	$(call if_changed,kfiles_bindgen)

# The C helpers: kfiles_X.o from crates/kfiles-ffi/X.c. Those of one crate
# are apart, in kfiles_helpers_CRATE.o: only modules that use the crate link
# them (a C module that calls relay's adds kfiles_helpers_relay.o itself).
kfiles-helper-objs := kfiles_helpers.o kfiles_helpers_debugfs.o kfiles_helpers_procfs.o \
	kfiles_helpers_relay.o kfiles_helpers_work.o
$(addprefix $(obj)/,$(kfiles-helper-objs)): $(obj)/kfiles_%.o: $(KFILES_FFI_DIR)/%.c FORCE
	$(call if_changed_rule,cc_o_c)
$(foreach o,$(kfiles-helper-objs),$(eval CFLAGS_$(o) := -I$(KFILES_FFI_DIR)))

targets += kfiles_ffi.rs
clean-files += kfiles_ffi.rs $(foreach c,$(kfiles-rust-crates),lib$(c).rmeta)

# ---- The crates ---------------------------------------------------------------
# $(call kfiles-crate,NAME,ROOT_SOURCE,CRATES_IT_USES,EXTRA_RUSTFLAGS)
define kfiles-crate
$$(obj)/$(1).o: $(2) $$(foreach d,$(3),$$(obj)/$$(d).o) FORCE
	+$$(call if_changed_rule,rustc_o_rs)
RUSTFLAGS_$(1).o += --emit=metadata=$$(obj)/lib$(1).rmeta -L $$(obj) \
	$$(foreach d,$(3),--extern $$(d)) $$(kfiles-crate-name) $$(KFILES_CFGS) $(4)
kfiles-uses-$(1) := $(3)
kfiles-root-$(1) := $(2)
$$(obj)/$(1).rustdoc: $(2) $$(obj)/$(1).o FORCE
	+$$(call cmd,kfiles_rustdoc)
endef

# ---- rustdoc (KFILES_RUSTDOC=DIR) ---------------------------------------------
# Renders the crates' documentation into DIR with the flags they are compiled
# with. DIR is normally the kernel's own rustdoc output (`make rustdoc`), so
# kernel types link. See ci/doc.sh.
kfiles-kernel-externs = $(foreach c,ffi pin_init kernel zerocopy zerocopy_derive, \
	$(if $(findstring --extern $(c) ,$(value rust_common_cmd)),--extern $(c)))
quiet_cmd_kfiles_rustdoc = RUSTDOC $<
      cmd_kfiles_rustdoc = OBJTREE=$(abspath $(objtree)) $(RUSTDOC) \
	$(filter-out --emit=%,$(rust_flags)) \
	-Zallow-features=$(rust_allowed_features) -Zcrate-attr=no_std \
	-Zcrate-attr='feature($(rust_allowed_features))' -Zunstable-options \
	$(kfiles-kernel-externs) --crate-type rlib -L $(objtree)/rust/ --sysroot=/dev/null \
	--crate-name $(basename $(notdir $@)) --generate-link-to-definition \
	--output $(KFILES_RUSTDOC) $<

$(eval $(call kfiles-crate,static_assertions,$(kfiles-static-assertions-dir)/src/lib.rs,,--cap-lints allow))
$(eval $(call kfiles-crate,kfiles_core,$(KFILES_CRATES_DIR)/kfiles-core/src/lib.rs,static_assertions))
$(eval $(call kfiles-crate,kfiles_ffi,$$(obj)/kfiles_ffi.rs,))
$(eval $(call kfiles-crate,kfiles_compat,$(KFILES_CRATES_DIR)/kfiles-compat/src/lib.rs,kfiles_ffi))
$(eval $(call kfiles-crate,seqfile_rs,$(KFILES_CRATES_DIR)/seqfile-rs/src/lib.rs,kfiles_compat kfiles_core kfiles_ffi))
$(eval $(call kfiles-crate,kfiles_attr,$(KFILES_CRATES_DIR)/kfiles-attr/src/lib.rs,kfiles_compat kfiles_core kfiles_ffi seqfile_rs))
$(eval $(call kfiles-crate,kfiles_file,$(KFILES_CRATES_DIR)/kfiles-file/src/lib.rs,kfiles_attr kfiles_compat kfiles_core kfiles_ffi seqfile_rs))
$(eval $(call kfiles-crate,debugfs_rs,$(KFILES_CRATES_DIR)/debugfs-rs/src/lib.rs,kfiles_attr kfiles_compat kfiles_core kfiles_ffi kfiles_file seqfile_rs))
$(eval $(call kfiles-crate,procfs_rs,$(KFILES_CRATES_DIR)/procfs-rs/src/lib.rs,kfiles_attr kfiles_compat kfiles_core kfiles_ffi kfiles_file seqfile_rs))
$(eval $(call kfiles-crate,process_list,$(KFILES_CRATES_DIR)/process-list/src/lib.rs,kfiles_compat kfiles_ffi))
$(eval $(call kfiles-crate,relay_rs,$(KFILES_CRATES_DIR)/relay-rs/src/lib.rs,debugfs_rs kfiles_compat kfiles_core kfiles_ffi))
$(eval $(call kfiles-crate,periodic_work,$(KFILES_CRATES_DIR)/periodic-work/src/lib.rs,kfiles_compat kfiles_ffi))

# The Rust crates, in dependency order.
kfiles-rust-crates := static_assertions kfiles_core kfiles_ffi kfiles_compat seqfile_rs kfiles_attr \
	kfiles_file debugfs_rs procfs_rs process_list relay_rs periodic_work


# ---- What a module's Kbuild uses ---------------------------------------------
# The crates the module links: those it names in KFILES_CRATES (set it before
# the include; default: all of them) and the crates they use. Kbuild links a
# module's objects whole, so linking fewer crates makes a smaller module.
KFILES_CRATES ?= debugfs_rs procfs_rs seqfile_rs process_list relay_rs periodic_work kfiles_attr \
	kfiles_compat kfiles_core
kfiles-closure = $(sort $(1) $(foreach c,$(1),$(call kfiles-closure,$(kfiles-uses-$(c)))))
kfiles-linked := $(filter $(call kfiles-closure,$(KFILES_CRATES)),$(kfiles-rust-crates))
# A crate whose kernel facility is configured out cannot work (its C
# functions are stubs or missing): refuse it here, by name, rather than with
# unresolved bindings or modpost's undefined symbols. The other crates build
# in such a kernel (ci/bare.sh proves it). auto.conf is not read by
# `make clean`, so the check needs CONFIG_MODULES, which every module build has.
kfiles-needs-debugfs_rs := CONFIG_DEBUG_FS
kfiles-needs-procfs_rs := CONFIG_PROC_FS
kfiles-needs-relay_rs := CONFIG_RELAY
kfiles-missing := $(strip $(foreach c,$(kfiles-linked),$(foreach o,$(kfiles-needs-$(c)), \
	$(if $(filter y,$($(o))),,$(c)/$(o)))))
ifeq ($(CONFIG_MODULES),y)
ifneq ($(kfiles-missing),)
$(error kfiles: this kernel lacks what these crates need (crate/option): $(kfiles-missing); \
	enable the option or leave the crate out of KFILES_CRATES)
endif
endif
# kfiles_core's relay format and probe records only with relay-rs (its
# object is linked whole, like every crate's).
RUSTFLAGS_kfiles_core.o += $(if $(filter relay_rs,$(kfiles-linked)),--cfg kfiles_relay)
# Objects to add to the module (`mydrv-y := $(kfiles-objs) ...`). Kbuild
# links objects whole, so the C helpers are split by crate.
kfiles-helpers-of-debugfs_rs := kfiles_helpers_debugfs.o
kfiles-helpers-of-procfs_rs := kfiles_helpers_procfs.o
kfiles-helpers-of-relay_rs := kfiles_helpers_relay.o
kfiles-helpers-of-periodic_work := kfiles_helpers_work.o
kfiles-objs := $(addsuffix .o,$(kfiles-linked)) kfiles_helpers.o \
	$(foreach c,$(kfiles-linked),$(kfiles-helpers-of-$(c)))
# Flags for the module's own Rust objects (`RUSTFLAGS_x.o += $(kfiles-rustflags)`).
kfiles-rustflags = -L $(obj) $(addprefix --extern ,$(filter-out kfiles_ffi static_assertions,$(kfiles-linked))) $(KFILES_CFGS)
# Prerequisites of the module's own Rust objects (`$(obj)/x.o: $(kfiles-deps)`).
kfiles-deps = $(addprefix $(obj)/,$(addsuffix .o,$(kfiles-linked)))
# Flags for a module's own C code that calls the C helpers
# (`ccflags-y += $(kfiles-ccflags)`): their header, and the same version test
# as KFILES_CFGS, as a macro.
kfiles-ccflags := -I$(KFILES_FFI_DIR) $(if $(kfiles-relay-prev-padding),-DKFILES_RELAY_PREV_PADDING)

# The crate graph for an editor (kbuild/rust-project.sh sets
# KFILES_RUST_PROJECT=1): one line per linked crate, "NAME ROOT DEPS",
# then the --cfg flags they and the module's own crates are built with.
ifneq ($(KFILES_RUST_PROJECT),)
quiet_cmd_kfiles_crates = GEN     $@
      cmd_kfiles_crates = { $(foreach c,$(kfiles-linked),echo '$(c) $(abspath $(kfiles-root-$(c))) $(strip $(kfiles-uses-$(c)))';) \
	echo 'cfgs $(KFILES_CFGS)'; echo 'externs $(filter-out kfiles_ffi static_assertions,$(kfiles-linked))'; } > $@
$(obj)/kfiles-crates.txt: FORCE
	$(call if_changed,kfiles_crates)
# Written before anything is compiled, so a driver that does not build yet
# still gets its list.
$(obj)/kfiles_ffi.rs: | $(obj)/kfiles-crates.txt
always-y += kfiles-crates.txt kfiles_ffi.rs
targets += kfiles-crates.txt
endif
clean-files += kfiles-crates.txt

# The documentation of the crates the module links (a C module that only
# needs the C helpers sets `KFILES_CRATES :=`, and gets none).
ifneq ($(KFILES_RUSTDOC),)
always-y += $(addsuffix .rustdoc,$(filter-out static_assertions,$(kfiles-linked)))
endif
