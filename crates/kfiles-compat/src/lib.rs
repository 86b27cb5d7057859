// SPDX-License-Identifier: GPL-2.0

//! The one place where the supported kernels' Rust APIs differ.
//!
//! The kfiles crates and modules build from one source against Linux 6.12
//! (LTS) and 7.x. Where the kernel crate's API changed between them, this
//! crate offers one spelling and maps it to the kernel's. The choice is made
//! by one `--cfg`, set by `kbuild/kfiles.mk` from the kernel version:
//!
//! | `--cfg`             | kernels           | what differs                                    |
//! |---------------------|-------------------|-------------------------------------------------|
//! | `kfiles_legacy_api` | before 6.18       | `module!` takes `author`; `UserPtr` is a `usize`; `CStr::as_ptr()` is allowed; C enums are integer constants; no `MutexGuard` alias; `pr_info!` formats `{}` with `core::fmt::Display`; list items need `impl_has_list_links!` beside `impl_list_item!`; no file type (this crate has a `LocalFile`); `ARef` is in `kernel::types` |
//! | (none)              | 6.18 and later    | `module!` takes `authors`; `UserPtr` is a type; C strings go through `CStrExt::as_char_ptr()`; C enums are newtypes; `pr_info!` formats `{}` with `kernel::fmt::Display`; `impl_list_item!` names the links field; `kernel::fs::LocalFile`; `ARef` is in `kernel::sync::aref` |
//!
//! Nothing else in the project tests the kernel version.

use kernel::uaccess::UserSlice;

/// Declares a kernel module, as the kernel's `module!`, with one syntax on
/// every supported kernel.
///
/// Arguments are passed on as plain tokens (the kernel's `module!` is a
/// procedural macro that expects identifiers and string literals, not parsed
/// fragments). The keys are the kernel's, in this order: `type`, `name`, `authors`,
/// `description`, `license`. On kernels whose `module!` takes a single
/// `author`, the first author is recorded.
///
/// The module's type is wrapped so that the teardowns the crates deferred (a
/// file removed from inside its own callback) run in a domain of the
/// module's own, waited for after a failed `init` (the kernel does not wait
/// there) and at unload, and never by anyone else's
/// `async_synchronize_full()`. Use this macro rather than the kernel's in
/// modules that use the crates.
///
/// # Examples
///
/// ```ignore
/// // Not run: it declares the module itself, once per module; every module in
/// // modules/ and the one running these examples start with it.
/// kfiles_compat::module! {
///     type: MyDriver,
///     name: "my_driver",
///     authors: ["A. Developer"],
///     description: "An example",
///     license: "GPL",
/// }
/// ```
#[cfg(kfiles_legacy_api)]
#[macro_export]
macro_rules! module {
    (
        type: $type:ident,
        name: $name:tt,
        authors: [$author:tt $(, $more:tt)* $(,)?],
        description: $description:tt,
        license: $license:tt $(,)?
    ) => {
        $crate::__settled_module!($type);
        ::kernel::prelude::module! {
            type: __KfilesModule,
            name: $name,
            author: $author,
            description: $description,
            license: $license,
        }
    };
}

/// Declares a kernel module, as the kernel's `module!`, with one syntax on
/// every supported kernel.
///
/// Arguments are passed on as plain tokens (the kernel's `module!` is a
/// procedural macro that expects identifiers and string literals, not parsed
/// fragments). The keys are the kernel's, in this order: `type`, `name`, `authors`,
/// `description`, `license`. On kernels whose `module!` takes a single
/// `author`, the first author is recorded.
///
/// The module's type is wrapped so that the teardowns the crates deferred (a
/// file removed from inside its own callback) run in a domain of the
/// module's own, waited for after a failed `init` (the kernel does not wait
/// there) and at unload, and never by anyone else's
/// `async_synchronize_full()`. Use this macro rather than the kernel's in
/// modules that use the crates.
///
/// # Examples
///
/// ```ignore
/// // Not run: it declares the module itself, once per module; every module in
/// // modules/ and the one running these examples start with it.
/// kfiles_compat::module! {
///     type: MyDriver,
///     name: "my_driver",
///     authors: ["A. Developer"],
///     description: "An example",
///     license: "GPL",
/// }
/// ```
#[cfg(not(kfiles_legacy_api))]
#[macro_export]
macro_rules! module {
    (
        type: $type:ident,
        name: $name:tt,
        authors: [$($author:tt),+ $(,)?],
        description: $description:tt,
        license: $license:tt $(,)?
    ) => {
        $crate::__settled_module!($type);
        ::kernel::prelude::module! {
            type: __KfilesModule,
            name: $name,
            authors: [$($author),+],
            description: $description,
            license: $license,
        }
    };
}

/// Defines `__KfilesModule`, the module type [`module!`] declares: `$type`,
/// with the crates' deferred teardowns in a domain of the module's own,
/// which is waited for when `init` fails and after `$type` is dropped at
/// unload.
#[doc(hidden)]
#[macro_export]
macro_rules! __settled_module {
    ($type:ident) => {
        /// The module, as declared to the kernel (see `kfiles_compat::module!`).
        struct __KfilesModule(::core::option::Option<$type>);

        impl ::kernel::Module for __KfilesModule {
            fn init(module: &'static ::kernel::ThisModule) -> ::kernel::error::Result<Self> {
                $crate::own_deferred_teardowns();
                match <$type as ::kernel::Module>::init(module) {
                    Ok(m) => Ok(__KfilesModule(Some(m))),
                    Err(e) => {
                        $crate::wait_for_deferred_teardowns();
                        Err(e)
                    }
                }
            }
        }

        impl Drop for __KfilesModule {
            fn drop(&mut self) {
                // The module first, then what it deferred.
                self.0 = None;
                $crate::wait_for_deferred_teardowns();
            }
        }
    };
}

extern "C" {
    // helpers.c of kfiles-ffi, linked into every module that uses the crates.
    fn kfiles_teardowns_own();
    fn kfiles_teardowns_wait();
}

/// Sends this module's deferred teardowns to a domain of its own, which
/// [`wait_for_deferred_teardowns`] waits for (instead of the kernel's
/// global one, which anyone's `async_synchronize_full()` waits for: a
/// teardown waiting for a callback that does so would never end).
#[doc(hidden)]
pub fn own_deferred_teardowns() {
    // SAFETY: Sets a flag of the module's helpers; no other requirement.
    unsafe { kfiles_teardowns_own() };
}

/// Waits until every teardown the crates deferred (a file removed from
/// inside its own callback, say) has finished: [`module!`] calls it when
/// `init` fails and after the module's value is dropped. It sleeps: call it
/// in task context only (as `init` and the exit function are).
#[doc(hidden)]
pub fn wait_for_deferred_teardowns() {
    // SAFETY: Waits for the module's async domain; `init` and the exit
    // function run in task context, where waiting is allowed.
    unsafe { kfiles_teardowns_wait() };
}

/// The guard of a locked [`kernel::sync::Mutex`], as `kernel::sync::MutexGuard`
/// names it since 6.16-ish; 6.12 has only the generic `lock::Guard`.
///
/// # Examples
///
/// ```
/// struct Table(Pin<KBox<kernel::sync::Mutex<KVec<u32>>>>);
/// fn first(guard: &kfiles_compat::MutexGuard<'_, KVec<u32>>) -> Option<u32> {
///     guard.first().copied()
/// }
///
/// # let mut values = KVec::new();
/// # values.push(7, GFP_KERNEL)?;
/// let table = Table(KBox::pin_init(kernel::new_mutex!(values), GFP_KERNEL)?);
/// assert_eq!(first(&table.0.lock()), Some(7));
/// ```
#[cfg(kfiles_legacy_api)]
pub type MutexGuard<'a, T> =
    kernel::sync::lock::Guard<'a, T, kernel::sync::lock::mutex::MutexBackend>;

/// The guard of a locked [`kernel::sync::Mutex`], as `kernel::sync::MutexGuard`
/// names it since 6.16-ish; 6.12 has only the generic `lock::Guard`.
///
/// # Examples
///
/// ```
/// struct Table(Pin<KBox<kernel::sync::Mutex<KVec<u32>>>>);
/// fn first(guard: &kfiles_compat::MutexGuard<'_, KVec<u32>>) -> Option<u32> {
///     guard.first().copied()
/// }
///
/// # let mut values = KVec::new();
/// # values.push(7, GFP_KERNEL)?;
/// let table = Table(KBox::pin_init(kernel::new_mutex!(values), GFP_KERNEL)?);
/// assert_eq!(first(&table.0.lock()), Some(7));
/// ```
#[cfg(not(kfiles_legacy_api))]
pub type MutexGuard<'a, T> = kernel::sync::MutexGuard<'a, T>;

/// Wraps the user-space buffer `ptr[..len]` passed to a `read` or `write`
/// file operation.
///
/// `UserSlice` itself checks every access against the user address space, so
/// building one is safe whatever the pointer.
#[inline]
pub fn user_slice<T>(ptr: *const T, len: usize) -> UserSlice {
    #[cfg(kfiles_legacy_api)]
    {
        UserSlice::new(ptr as usize, len)
    }
    #[cfg(not(kfiles_legacy_api))]
    {
        UserSlice::new(kernel::uaccess::UserPtr::from_ptr(ptr as *mut _), len)
    }
}

/// The `const char *` of a C string, for C functions.
///
/// The kernel's `char` is unsigned since 6.18-ish while `core::ffi::c_char`
/// is signed on x86, so the kernel's own helper is used where it exists.
#[inline]
pub fn char_ptr(s: &core::ffi::CStr) -> *const kernel::ffi::c_char {
    #[cfg(kfiles_legacy_api)]
    {
        s.as_ptr().cast()
    }
    #[cfg(not(kfiles_legacy_api))]
    {
        use kernel::str::CStrExt;
        s.as_char_ptr()
    }
}

/// Module parameters, one API on every supported kernel.
///
/// The kernel's `module!` takes parameters only since 6.18-ish, so modules
/// that must build on 6.12 declare them with [`module_params!`](crate::module_params)
/// instead, which emits the same `__param` entries C's `module_param()` does,
/// with C's own `param_ops_*` parsers.
pub mod params {
    use core::{cell::UnsafeCell, ffi::c_void};
    use kernel::bindings;

    /// Types a module parameter can have, with the C parser of each.
    ///
    /// # Safety
    ///
    /// `OPS` must point at a `kernel_param_ops` whose `set` stores, through
    /// `kp->arg`, only a valid value of `Self` of exactly
    /// `size_of::<Self>()` bytes (and whose `get` reads that many), as the
    /// implementations here do for `u32`/`param_ops_uint`,
    /// `i32`/`param_ops_int`, `usize`/`param_ops_ulong`,
    /// `u64`/`param_ops_ullong` and `bool`/`param_ops_bool`. Another pairing
    /// (a one-byte type with `param_ops_ullong`) lets `insmod m.ko p=1`
    /// write past the value.
    pub unsafe trait ParamType: Copy + 'static {
        /// C's `kernel_param_ops` for the type.
        const OPS: *const bindings::kernel_param_ops;
    }

    // SAFETY: `param_ops_uint` stores and loads an `unsigned int`, which is `u32`.
    unsafe impl ParamType for u32 {
        const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_uint;
    }
    // SAFETY: `param_ops_int` stores and loads an `int`, which is `i32`.
    unsafe impl ParamType for i32 {
        const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_int;
    }
    // SAFETY: `param_ops_ulong` stores and loads an `unsigned long`, which is
    // `usize` on every architecture Rust-for-Linux supports.
    unsafe impl ParamType for usize {
        const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_ulong;
    }
    // SAFETY: `param_ops_ullong` stores and loads an `unsigned long long`,
    // which is `u64`.
    unsafe impl ParamType for u64 {
        const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_ullong;
    }
    // SAFETY: `param_ops_bool` stores and loads a C `bool` (one byte, 0 or 1,
    // `param_set_bool()`), which is Rust's `bool`.
    unsafe impl ParamType for bool {
        const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_bool;
    }

    /// The value of a module parameter: its default, or what `insmod` (or the
    /// kernel command line) gave.
    ///
    /// # Invariants
    ///
    /// The value is only written by the C parser of `T`'s [`ParamType::OPS`],
    /// while the module loads, before its init function runs: the parameter
    /// is read-only in sysfs (mode `0444`).
    #[repr(transparent)]
    pub struct Param<T>(UnsafeCell<T>);

    // SAFETY: After load, the value is never written (type invariants): the
    // parameter's sysfs file is `0444`, and kernfs refuses opening a
    // read-only attribute for writing, even for root.
    unsafe impl<T: Sync> Sync for Param<T> {}

    impl<T: ParamType> Param<T> {
        #[doc(hidden)]
        pub const fn new(default: T) -> Self {
            Param(UnsafeCell::new(default))
        }

        /// The parameter's value.
        #[inline]
        pub fn get(&self) -> T {
            // SAFETY: No writer after load (type invariants), and the only
            // writer, `T::OPS`'s parser, stores valid values of `T` (the
            // safety contract of `ParamType`).
            unsafe { *self.0.get() }
        }
    }

    /// A `struct kernel_param`, as `module_param()` puts in `__param`.
    #[doc(hidden)]
    #[repr(transparent)]
    pub struct KernelParam(bindings::kernel_param);

    // SAFETY: Rust never touches the value after its `const` construction;
    // the module loader and sysfs read it under their own locks, and write
    // only the `Param` its `arg` points at, which wraps an `UnsafeCell`.
    unsafe impl Sync for KernelParam {}

    impl KernelParam {
        #[doc(hidden)]
        pub const fn new<T: ParamType>(name: &'static [u8], value: &'static Param<T>) -> Self {
            assert!(!name.is_empty() && name[name.len() - 1] == 0);
            // `struct module` has fields Rust does not see; only its address is used.
            #[allow(improper_ctypes)]
            extern "C" {
                static mut __this_module: bindings::module;
            }
            KernelParam(bindings::kernel_param {
                // NUL-terminated, as checked above.
                name: name.as_ptr().cast(),
                // Only the address is taken: modpost defines `__this_module`.
                mod_: &raw mut __this_module,
                ops: T::OPS,
                perm: 0o444,
                level: -1,
                flags: 0,
                __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                    arg: core::ptr::from_ref(value).cast_mut().cast::<c_void>(),
                },
            })
        }
    }
}

/// Declares module parameters, readable in `/sys/module/<name>/parameters/`
/// and settable at load time (`insmod m.ko name=value`), on every supported
/// kernel. Each becomes a [`params::Param`] static in a `module_params`
/// module; read it with `.get()`. Types: `u32`, `i32`, `usize`, `u64`,
/// `bool`, parsed by the C parsers `module_param()` uses.
///
/// # Examples
///
/// ```
/// kfiles_compat::module_params! {
///     /// Seconds between snapshots (0: none).
///     period_secs: u32 = 60;
/// }
///
/// let period = module_params::period_secs.get();
/// # assert_eq!(period, 60);
/// ```
#[macro_export]
macro_rules! module_params {
    ($($(#[$meta:meta])* $name:ident : $ty:ty = $default:expr;)*) => {
        /// The module's parameters (see `kfiles_compat::module_params!`).
        pub(crate) mod module_params {
            $(
                $(#[$meta])*
                #[allow(non_upper_case_globals)]
                pub(crate) static $name: $crate::params::Param<$ty> =
                    $crate::params::Param::new($default);

                const _: () = {
                    #[link_section = "__param"]
                    #[used]
                    static PARAM: $crate::params::KernelParam = $crate::params::KernelParam::new(
                        concat!(stringify!($name), "\0").as_bytes(),
                        &$name,
                    );
                };
            )*
        }
    };
}

/// Makes a type that implements [`core::fmt::Display`] printable with `{}`
/// in the kernel's `pr_info!` family too: since 6.18-ish those format through
/// their own `kernel::fmt::Display`, which this implements by forwarding; on
/// older kernels they use `core::fmt::Display` already, and this expands to
/// nothing. (`seq_print!` and `write!` always use `core::fmt`.)
///
/// # Examples
///
/// ```
/// struct Celsius(i32);
///
/// impl core::fmt::Display for Celsius {
///     fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
///         write!(f, "{} C", self.0)
///     }
/// }
/// kfiles_compat::impl_kernel_display!(Celsius);
///
/// pr_info!("{}\n", Celsius(21));
/// ```
#[cfg(kfiles_legacy_api)]
#[macro_export]
macro_rules! impl_kernel_display {
    ($ty:ty) => {};
}

/// Makes a type that implements [`core::fmt::Display`] printable with `{}`
/// in the kernel's `pr_info!` family too: since 6.18-ish those format through
/// their own `kernel::fmt::Display`, which this implements by forwarding; on
/// older kernels they use `core::fmt::Display` already, and this expands to
/// nothing. (`seq_print!` and `write!` always use `core::fmt`.)
///
/// # Examples
///
/// ```
/// struct Celsius(i32);
///
/// impl core::fmt::Display for Celsius {
///     fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
///         write!(f, "{} C", self.0)
///     }
/// }
/// kfiles_compat::impl_kernel_display!(Celsius);
///
/// pr_info!("{}\n", Celsius(21));
/// ```
#[cfg(not(kfiles_legacy_api))]
#[macro_export]
macro_rules! impl_kernel_display {
    ($ty:ty) => {
        impl ::kernel::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(self, f)
            }
        }
    };
}

/// Makes the struct `$ty` an item of `kernel::list::List<$ty, ID>`, linked
/// through its pinned field `$links` (a `kernel::list::ListLinks<ID>`), with
/// `ListArc`s made only from unique references (the list's `untracked`
/// mode): `list_item!(Ty, links)` for list 0, `list_item!(Ty, links, 1)`
/// for an item's second list. The kernel's `impl_list_item!` changed its
/// syntax in 6.17-ish; this has one.
///
/// # Examples
///
/// ```
/// use kernel::list::{List, ListArc, ListLinks};
///
/// #[pin_data]
/// struct Job {
///     id: u32,
///     #[pin]
///     links: ListLinks,
/// }
/// kfiles_compat::list_item!(Job, links);
///
/// let mut jobs = List::<Job>::new();
/// jobs.push_back(ListArc::pin_init(
///     try_pin_init!(Job { id: 7, links <- ListLinks::new() }),
///     GFP_KERNEL,
/// )?);
/// assert_eq!(jobs.iter().map(|job| job.id).sum::<u32>(), 7);
/// ```
#[macro_export]
macro_rules! list_item {
    ($ty:ident, $links:ident) => {
        $crate::list_item!($ty, $links, 0);
    };
    ($ty:ident, $links:ident, $id:tt) => {
        ::kernel::list::impl_list_arc_safe! {
            impl ListArcSafe<$id> for $ty { untracked; }
        }
        $crate::__list_item_links!($ty, $links, $id);
    };
}

/// The part of [`list_item!`] that differs: before 6.17-ish the links field
/// is named by its own `impl_has_list_links!`.
#[cfg(kfiles_legacy_api)]
#[doc(hidden)]
#[macro_export]
macro_rules! __list_item_links {
    ($ty:ident, $links:ident, $id:tt) => {
        ::kernel::list::impl_has_list_links! {
            impl HasListLinks<$id> for $ty { self.$links }
        }
        ::kernel::list::impl_list_item! {
            impl ListItem<$id> for $ty { using ListLinks; }
        }
    };
}

/// The part of [`list_item!`] that differs: since 6.17-ish
/// `impl_list_item!` names the links field.
#[cfg(not(kfiles_legacy_api))]
#[doc(hidden)]
#[macro_export]
macro_rules! __list_item_links {
    ($ty:ident, $links:ident, $id:tt) => {
        ::kernel::list::impl_list_item! {
            impl ListItem<$id> for $ty { using ListLinks { self.$links }; }
        }
    };
}

/// A counted reference to an object the kernel counts (`kernel`'s `ARef`,
/// whose module moved in 6.18-ish).
#[cfg(not(kfiles_legacy_api))]
pub use kernel::sync::aref::ARef;
/// A counted reference to an object the kernel counts (`kernel`'s `ARef`,
/// whose module moved in 6.18-ish).
#[cfg(kfiles_legacy_api)]
pub use kernel::types::ARef;

/// The kernel crate's `LocalFile` (since 6.13-ish): a `struct file` used by
/// the task that took it (not `Send`: `read()`/`write()` may be using its
/// position without the lock on this task).
#[cfg(not(kfiles_legacy_api))]
pub use kernel::fs::LocalFile;

/// A `struct file` used by the task that took it, as the kernel crate's
/// `LocalFile` of later kernels (6.12's kernel crate has no file type).
/// Only [`fget`] makes one; [`ARef`] counts it.
///
/// # Invariants
///
/// `inner` is a `struct file` with a positive reference count for as long
/// as a reference to the `LocalFile` exists.
#[cfg(kfiles_legacy_api)]
#[repr(transparent)]
pub struct LocalFile {
    inner: kernel::types::Opaque<kernel::bindings::file>,
    // Not `Send`/`Sync`, as the kernel crate's `LocalFile`.
    _local: core::marker::PhantomData<*mut ()>,
}

#[cfg(kfiles_legacy_api)]
impl LocalFile {
    /// The C `struct file`.
    #[inline]
    pub fn as_ptr(&self) -> *mut kernel::bindings::file {
        self.inner.get()
    }
}

// SAFETY: A `struct file` is freed when its count (which `get_file()` and
// `fput()` move) drops to zero; every `LocalFile` is a live `struct file`
// (type invariants), so `inc_ref` keeps it so.
#[cfg(kfiles_legacy_api)]
unsafe impl kernel::types::AlwaysRefCounted for LocalFile {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: The file is live (type invariants): its count is positive.
        unsafe { kfiles_ffi::kfiles_get_file(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: core::ptr::NonNull<Self>) {
        // SAFETY: The caller owns one count of the file, which it gives up;
        // `LocalFile` is a transparent `struct file`.
        unsafe { kernel::bindings::fput(obj.cast().as_ptr()) };
    }
}

/// Takes a counted reference to the file the current task has open as
/// descriptor `fd` (C's `fget()`): `EBADF` if there is none, or where the
/// current task has no descriptor table (interrupt context, a task that is
/// exiting, whose last files are released after its table is gone, where
/// the kernel crate's own `LocalFile::fget` would dereference NULL). Kernel
/// threads and workqueues look in the table they share with `kthreadd`,
/// normally empty.
///
/// # Examples
///
/// ```
/// // The task loading the module has its standard input open.
/// let stdin = kfiles_compat::fget(0)?;
/// # let _ = stdin.as_ptr();
/// assert_eq!(kfiles_compat::fget(u32::MAX).err(), Some(EBADF));
/// ```
pub fn fget(fd: u32) -> kernel::error::Result<ARef<LocalFile>> {
    // SAFETY: No requirements: the helper checks the context and the table.
    let file = unsafe { kfiles_ffi::kfiles_fget(fd) };
    let file = core::ptr::NonNull::new(file).ok_or(kernel::error::code::EBADF)?;
    // SAFETY: `kfiles_fget()` took a count of the file for us, which the
    // `ARef` owns; the file is in the current task's table, so any
    // `fdget_pos()` that did not take its position lock is on this task
    // (`LocalFile`'s invariant); `LocalFile` is a transparent `struct file`.
    Ok(unsafe { ARef::from_raw(file.cast()) })
}

/// Nanoseconds of the monotonic clock, for timing: the kernel crate's clock
/// API differs between 6.12 (`Ktime`) and 7.x (`Instant<Monotonic>`).
/// `ktime_get_mono_fast_ns()`, callable from any context, NMI included, and
/// also while timekeeping is suspended (where `ktime_get()` `WARN`s).
#[inline]
pub fn monotonic_ns() -> i64 {
    // SAFETY: `ktime_get_mono_fast_ns()` takes no arguments and may be called
    // from any context.
    let ns = unsafe { kernel::bindings::ktime_get_mono_fast_ns() };
    i64::try_from(ns).unwrap_or(i64::MAX)
}

/// `HRTIMER_RESTART`, the value an hrtimer callback returns to run again:
/// bindgen spells C enum constants differently on the two kernels.
#[cfg(kfiles_legacy_api)]
pub const HRTIMER_RESTART: kernel::bindings::hrtimer_restart =
    kernel::bindings::hrtimer_restart_HRTIMER_RESTART;

/// `HRTIMER_RESTART`, the value an hrtimer callback returns to run again:
/// bindgen spells C enum constants differently on the two kernels.
#[cfg(not(kfiles_legacy_api))]
pub const HRTIMER_RESTART: kernel::bindings::hrtimer_restart =
    kernel::bindings::hrtimer_restart::HRTIMER_RESTART;

/// `HRTIMER_NORESTART`, the value an hrtimer callback returns to stop.
#[cfg(kfiles_legacy_api)]
pub const HRTIMER_NORESTART: kernel::bindings::hrtimer_restart =
    kernel::bindings::hrtimer_restart_HRTIMER_NORESTART;

/// `HRTIMER_NORESTART`, the value an hrtimer callback returns to stop.
#[cfg(not(kfiles_legacy_api))]
pub const HRTIMER_NORESTART: kernel::bindings::hrtimer_restart =
    kernel::bindings::hrtimer_restart::HRTIMER_NORESTART;
