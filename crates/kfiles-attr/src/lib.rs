// SPDX-License-Identifier: GPL-2.0

//! Values that kernel files show and set.
//!
//! A file's content is produced by its value's [`Show`] implementation
//! (seqfile-rs) and parsed by its [`Store`] implementation (this crate). The
//! file-system crates (debugfs-rs, procfs-rs) take any value implementing
//! them; this crate provides the common ones.
//!
//! | value                              | shown as (as C's)              | accepts            |
//! |------------------------------------|--------------------------------|--------------------|
//! | `AtomicU8/16/32/64`, `AtomicUsize` | `"%llu\n"` (`debugfs_create_u8`..`u64`, `size_t`) | `kstrtoull()` syntax, range-checked |
//! | `AtomicI8/16/32/64`, `AtomicIsize` | `"%lld\n"` (`debugfs_create_atomic_t`) | `kstrtoll()` syntax, range-checked |
//! | `AtomicBool`                       | `"Y\n"`/`"N\n"` (`debugfs_create_bool`) | the kernel's `kstrtobool()` |
//! | [`Hex<A>`]                         | `"0x%02llx\n"`.. (`debugfs_create_x8`..`x64`) | as `A` |
//! | [`Bounded<A>`]                     | as `A`                         | as `A`, within a range |
//! | plain `u8`..`u64`, `usize`, `i8`..`i64`, `isize`, `bool` | as their atomic (read-only files) | — |
//! | [`ReadCallback`], [`ReadWriteCallback`] | what a closure prints      | what a closure accepts |
//! | [`Text<N>`] in a `Mutex`/`SpinLock` | `"%s\n"` (`debugfs_create_str`) | up to `N` bytes, trimmed as C's `strim()` |
//! | `Mutex<T>`, `SpinLock<T>` of a [`Parse`] type | as `T`, under the lock | as `T` ([`Parse`]) |
//! | `Arc<T>`                           | as `T`                         | as `T`             |
//!
//! Atomics are read and written with `Relaxed` ordering, as the C helpers
//! read and write plain variables: a debugfs file shows a value, it does not
//! synchronize with it.

use core::{
    ops::{Deref, RangeInclusive},
    sync::atomic::{
        AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicU16, AtomicU32,
        AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
    },
};
use kernel::error::{
    code::{EINVAL, ERANGE},
    Error, Result,
};
use kfiles_core::{parse, text::NumText};
use seqfile_rs::{SeqFile, Show};

/// The largest input a [`Store`] implementation may accept, in bytes.
///
/// Writes are copied onto the stack before parsing; a larger
/// [`Store::MAX_INPUT`] is a compile-time error in the file systems' write
/// paths.
pub const MAX_STORE_INPUT: usize = 256;

/// Something that user space can set by writing to a file.
///
/// [`set_from`](Store::set_from) receives the bytes of one `write()` call,
/// at most
/// [`MAX_INPUT`](Store::MAX_INPUT) of them, and must either apply the whole
/// input or leave the value unchanged and return an error (`EINVAL` for
/// malformed input, `ERANGE` for a value out of range, as the kernel's
/// `kstrto*()` functions do). It may run concurrently with itself and with
/// [`Show::show`], so it changes the value through interior mutability
/// (atomics, a lock). (The method is not called `store`: delegating to an
/// atomic field would then need `Store::store(&self.count, input)` to get
/// past the atomic's own `store`.)
///
/// Ready made: the atomics, [`Hex`], [`Bounded`], closures
/// ([`ReadWriteCallback`]), and for shared state `Arc<T>` of a `Store`, and
/// `Mutex<T>` or `SpinLock<T>` of a value that implements [`Parse`].
///
/// # Examples
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering};
/// use kfiles_attr::{parse_int, Store};
///
/// /// An even number of buffers.
/// struct EvenCount(AtomicU32);
///
/// impl Store for EvenCount {
///     fn set_from(&self, input: &[u8]) -> Result {
///         let v: u32 = parse_int(input)?;
///         if v % 2 != 0 {
///             return Err(EINVAL);
///         }
///         self.0.store(v, Ordering::Relaxed);
///         Ok(())
///     }
/// }
///
/// let buffers = EvenCount(AtomicU32::new(2));
/// assert_eq!(buffers.set_from(b"3\n"), Err(EINVAL));
/// buffers.set_from(b"8\n")?;
/// assert_eq!(buffers.0.load(Ordering::Relaxed), 8);
/// ```
pub trait Store {
    /// The longest input accepted, in bytes; a longer write fails with
    /// `EINVAL` before [`set_from`](Store::set_from) is called. At most
    /// [`MAX_STORE_INPUT`].
    const MAX_INPUT: usize = 64;

    /// Parses `input` and updates the value, or returns an error and changes
    /// nothing.
    fn set_from(&self, input: &[u8]) -> Result;
}

/// The body of a `write` file operation for a value implementing [`Store`]:
/// one `write()` is one value.
///
/// Refuses (`EINVAL`) a write at a non-zero offset or longer than
/// [`Store::MAX_INPUT`]; copies the input onto the stack; calls
/// [`Store::set_from`]; on success advances `*ppos` and returns `count`, else
/// returns the negative errno and changes nothing.
///
/// # Safety
///
/// `ppos` must be valid for reads and writes for the duration of the call.
/// (`buf` and `count` may be anything: the user copy checks them.)
pub unsafe fn store_user_write<T: Store>(
    data: &T,
    buf: *const kernel::ffi::c_char,
    count: usize,
    ppos: *mut kernel::bindings::loff_t,
) -> isize {
    const { assert!(T::MAX_INPUT <= MAX_STORE_INPUT) };
    // SAFETY: The caller guarantees `ppos` is valid for reads.
    let pos = unsafe { *ppos };
    if pos != 0 || count > T::MAX_INPUT {
        return EINVAL.to_errno() as isize;
    }
    let mut input = [0u8; MAX_STORE_INPUT];
    let input = &mut input[..count];
    if let Err(e) = kfiles_compat::user_slice(buf, count)
        .reader()
        .read_slice(input)
    {
        return e.to_errno() as isize;
    }
    match data.set_from(input) {
        Ok(()) => {
            // SAFETY: The caller guarantees `ppos` is valid for writes.
            unsafe { *ppos = count as kernel::bindings::loff_t };
            count as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

fn parse_error(e: parse::ParseError) -> Error {
    match e {
        parse::ParseError::Invalid => EINVAL,
        parse::ParseError::Range => ERANGE,
    }
}

/// Parses `input` as an integer of type `T` with the kernel's `kstrtoull()`
/// (unsigned) or `kstrtoll()` (signed) rules, radix 0; `EINVAL` for malformed
/// input, `ERANGE` for a value outside `T`.
///
/// # Examples
///
/// ```
/// let v: u16 = kfiles_attr::parse_int(b"0x10\n")?;
/// assert_eq!(v, 16);
/// assert_eq!(kfiles_attr::parse_int::<u8>(b"256"), Err(ERANGE));
/// assert_eq!(kfiles_attr::parse_int::<i32>(b"12abc"), Err(EINVAL));
/// # // The small and pointer-sized signed types, in files too.
/// # assert_eq!(kfiles_attr::parse_int::<i8>(b"-129"), Err(ERANGE));
/// # let dir = doctest::debugfs_dir();
/// # let small = core::sync::atomic::AtomicI8::new(0);
/// # let small = KBox::pin_init(dir.read_write_file(c"i8", 0o644, small), GFP_KERNEL)?;
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/i8", b"-128")?, 4);
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/i8")?, b"-128\n");
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/i8", b"128").err(), Some(ERANGE));
/// # let wide = core::sync::atomic::AtomicIsize::new(-7);
/// # let wide = KBox::pin_init(dir.read_only_file(c"isize", 0o444, wide), GFP_KERNEL)?;
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/isize")?, b"-7\n");
/// ```
pub fn parse_int<T: parse::Integer>(input: &[u8]) -> Result<T> {
    parse::parse_int(input).map_err(parse_error)
}

/// Parses `input` with the running kernel's own `kstrtobool()`; `EINVAL` if
/// it is not a boolean.
///
/// The kernel's function is called rather than reimplemented because its
/// words differ between versions (7.x also takes `e`/`d` for enable and
/// disable): a file accepts exactly what C's `debugfs_create_bool()` accepts
/// on the same kernel. Only the first two bytes matter, as in C.
///
/// # Examples
///
/// ```
/// let on = kfiles_attr::parse_bool(b"on\n")?;
/// assert!(on);
/// assert_eq!(kfiles_attr::parse_bool(b"N"), Ok(false));
/// assert_eq!(kfiles_attr::parse_bool(b"maybe"), Err(EINVAL));
/// ```
pub fn parse_bool(input: &[u8]) -> Result<bool> {
    // kstrtobool() looks at two bytes at most: give it those, NUL-terminated.
    let mut s = [0u8; 3];
    let n = input.len().min(2);
    s[..n].copy_from_slice(&input[..n]);
    let mut value = false;
    // SAFETY: `s` is a NUL-terminated string and `value` is valid for writes.
    kernel::error::to_result(unsafe { kfiles_ffi::kstrtobool(s.as_ptr().cast(), &mut value) })?;
    Ok(value)
}

/// An atomic integer that debugfs files can show and set.
///
/// Implemented for the integer atomics of `core::sync::atomic`.
pub trait AtomicInt: Sync {
    /// The plain integer type.
    type Value: parse::Integer + Copy + PartialOrd;
    /// Size in bytes, which sets the width of the hex format.
    const BYTES: usize;
    /// Reads the value (`Relaxed`).
    fn get(&self) -> Self::Value;
    /// Writes the value (`Relaxed`).
    fn set(&self, v: Self::Value);
    /// The value as two's complement bits, for the hex format.
    fn bits(v: Self::Value) -> u64;
}

macro_rules! atomic_ints {
    ($($atomic:ty => $plain:ty, $wide:ty;)*) => {$(
        impl AtomicInt for $atomic {
            type Value = $plain;
            const BYTES: usize = core::mem::size_of::<$plain>();
            #[inline]
            fn get(&self) -> $plain {
                self.load(Relaxed)
            }
            #[inline]
            fn set(&self, v: $plain) {
                self.store(v, Relaxed)
            }
            #[inline]
            fn bits(v: $plain) -> u64 {
                // Keep exactly the type's bits, as C's `u64 val = *(u8 *)data`.
                (v as $wide as u64) & (u64::MAX >> (64 - 8 * Self::BYTES))
            }
        }

        impl Store for $atomic {
            #[inline]
            fn set_from(&self, input: &[u8]) -> Result {
                self.set(parse_int(input)?);
                Ok(())
            }
        }
    )*};
}

atomic_ints! {
    AtomicU8 => u8, u64;
    AtomicU16 => u16, u64;
    AtomicU32 => u32, u64;
    AtomicU64 => u64, u64;
    AtomicUsize => usize, u64;
    AtomicI8 => i8, i64;
    AtomicI16 => i16, i64;
    AtomicI32 => i32, i64;
    AtomicI64 => i64, i64;
    AtomicIsize => isize, i64;
}

impl Store for AtomicBool {
    #[inline]
    fn set_from(&self, input: &[u8]) -> Result {
        self.store(parse_bool(input)?, Relaxed);
        Ok(())
    }
}

/// An atomic integer shown in hex, zero-padded to its size, as C's
/// `debugfs_create_x8()`..`x64()` (`0x%02llx`, `0x%04llx`, ...). Writes
/// accept any radix, as in C.
///
/// # Examples
///
/// ```
/// use core::sync::atomic::AtomicU32;
/// use kfiles_attr::Hex;
///
/// # let dir = doctest::debugfs_dir();
/// let flags = KBox::pin_init(
///     dir.read_write_file(c"flags", 0o600, Hex(AtomicU32::new(0x10))),
///     GFP_KERNEL,
/// )?;
/// // cat flags -> 0x00000010
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/flags")?, b"0x00000010\n");
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/flags", b"255")?, 3);
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/flags")?, b"0x000000ff\n");
/// ```
pub struct Hex<A>(pub A);

impl<A> Deref for Hex<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.0
    }
}

impl<A: AtomicInt> Show for Hex<A> {
    #[inline]
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(NumText::hex(A::bits(self.0.get()), A::BYTES).as_bytes());
        Ok(())
    }
}

impl<A: AtomicInt + Store> Store for Hex<A> {
    #[inline]
    fn set_from(&self, input: &[u8]) -> Result {
        self.0.set_from(input)
    }
}

/// An atomic integer that only takes values within a range; a write outside
/// it fails with `ERANGE` and changes nothing.
///
/// # Invariants
///
/// `value` always lies within `range`: [`new`](Self::new) checks the first
/// value, and every later one goes through [`set`](Self::set) or
/// [`Store::set_from`], which check it (the atomic itself is not handed out).
///
/// # Examples
///
/// ```
/// use core::sync::atomic::AtomicU32;
/// use kfiles_attr::Bounded;
///
/// # let dir = doctest::debugfs_dir();
/// let percent = Bounded::new(AtomicU32::new(50), 0..=100)?;
/// let file = KBox::pin_init(dir.read_write_file(c"percent", 0o644, percent), GFP_KERNEL)?;
/// // echo 101 > percent -> ERANGE
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/percent", b"101\n").err(), Some(ERANGE));
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/percent")?, b"50\n");
/// ```
pub struct Bounded<A: AtomicInt> {
    value: A,
    range: RangeInclusive<A::Value>,
}

impl<A: AtomicInt> Bounded<A> {
    /// Wraps `value`; fails with `ERANGE` if it lies outside `range` (an
    /// empty range contains no value).
    pub fn new(value: A, range: RangeInclusive<A::Value>) -> Result<Self> {
        if !range.contains(&value.get()) {
            return Err(ERANGE);
        }
        // INVARIANT: Checked just above.
        Ok(Bounded { value, range })
    }

    /// The accepted range.
    pub fn range(&self) -> &RangeInclusive<A::Value> {
        &self.range
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> A::Value {
        self.value.get()
    }

    /// Sets the value; `ERANGE` (and no change) outside the range.
    #[inline]
    pub fn set(&self, v: A::Value) -> Result {
        if !self.range.contains(&v) {
            return Err(ERANGE);
        }
        // INVARIANT: Checked just above.
        self.value.set(v);
        Ok(())
    }
}

impl<A: AtomicInt + Show> Show for Bounded<A> {
    #[inline]
    fn show(&self, m: &SeqFile) -> Result {
        self.value.show(m)
    }
}

impl<A: AtomicInt> Store for Bounded<A> {
    fn set_from(&self, input: &[u8]) -> Result {
        self.set(parse_int(input)?)
    }
}

/// A function printing a `D`, for callback files stored in a named type
/// (closure types cannot be named in a struct field; function pointers can).
pub type ReadFn<D> = fn(&D, &SeqFile) -> Result;

/// A function parsing user input into a `D`; see [`ReadFn`].
pub type WriteFn<D> = fn(&D, &[u8]) -> Result;

/// A value shown by a closure (`Dir::read_callback_file()`).
pub struct ReadCallback<D, R> {
    data: D,
    read: R,
}

impl<D, R: Fn(&D, &SeqFile) -> Result> ReadCallback<D, R> {
    /// Shows `data` with `read`.
    pub fn new(data: D, read: R) -> Self {
        ReadCallback { data, read }
    }
}

impl<D, R> Deref for ReadCallback<D, R> {
    type Target = D;

    fn deref(&self) -> &D {
        &self.data
    }
}

impl<D, R: Fn(&D, &SeqFile) -> Result> Show for ReadCallback<D, R> {
    fn show(&self, m: &SeqFile) -> Result {
        (self.read)(&self.data, m)
    }
}

/// A value shown and set by closures (`Dir::read_write_callback_file()`).
pub struct ReadWriteCallback<D, R, W> {
    data: D,
    read: R,
    write: W,
}

impl<D, R, W> ReadWriteCallback<D, R, W>
where
    R: Fn(&D, &SeqFile) -> Result,
    W: Fn(&D, &[u8]) -> Result,
{
    /// Shows `data` with `read` and sets it with `write`.
    pub fn new(data: D, read: R, write: W) -> Self {
        ReadWriteCallback { data, read, write }
    }
}

impl<D, R, W> Deref for ReadWriteCallback<D, R, W> {
    type Target = D;

    fn deref(&self) -> &D {
        &self.data
    }
}

impl<D, R: Fn(&D, &SeqFile) -> Result, W> Show for ReadWriteCallback<D, R, W> {
    fn show(&self, m: &SeqFile) -> Result {
        (self.read)(&self.data, m)
    }
}

impl<D, R, W: Fn(&D, &[u8]) -> Result> Store for ReadWriteCallback<D, R, W> {
    fn set_from(&self, input: &[u8]) -> Result {
        (self.write)(&self.data, input)
    }
}

/// A value set by a closure and never shown (`Dir::write_callback_file()`).
pub struct WriteCallback<D, W> {
    data: D,
    write: W,
}

impl<D, W: Fn(&D, &[u8]) -> Result> WriteCallback<D, W> {
    /// Sets `data` with `write`.
    pub fn new(data: D, write: W) -> Self {
        WriteCallback { data, write }
    }
}

impl<D, W> Deref for WriteCallback<D, W> {
    type Target = D;

    fn deref(&self) -> &D {
        &self.data
    }
}

impl<D, W: Fn(&D, &[u8]) -> Result> Store for WriteCallback<D, W> {
    fn set_from(&self, input: &[u8]) -> Result {
        (self.write)(&self.data, input)
    }
}

/// A value that one `write()` sets whole: parsed from the written bytes, as
/// the kernel's `kstrto*()` functions parse (integers with [`parse_int`]'s
/// rules, booleans with [`parse_bool`]'s, [`Text`] as it is). With it a
/// `Mutex<T>` or `SpinLock<T>` is a [`Store`]: the input is parsed, then
/// the value replaced under the lock.
///
/// # Examples
///
/// ```
/// use kernel::{new_mutex, sync::{Arc, Mutex}};
///
/// // Driver state that two files share: one shows it, one sets it.
/// let threshold: Arc<Mutex<u32>> = Arc::pin_init(new_mutex!(10), GFP_KERNEL)?;
/// # let dir = doctest::debugfs_dir();
/// let shown = KBox::pin_init(dir.read_only_file(c"threshold", 0o444, threshold.clone()), GFP_KERNEL)?;
/// let set = KBox::pin_init(dir.write_only_file(c"set_threshold", 0o200, threshold.clone()), GFP_KERNEL)?;
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/set_threshold", b"25\n")?, 3);
/// assert_eq!(*threshold.lock(), 25); // after `echo 25 > set_threshold`
/// # assert_eq!(&*doctest::read(c"/sys/kernel/debug/kfiles-doctest/threshold")?, b"25\n");
/// # assert_eq!(doctest::write(c"/sys/kernel/debug/kfiles-doctest/set_threshold", b"x").err(), Some(EINVAL));
/// # assert_eq!(*threshold.lock(), 25);
/// ```
pub trait Parse: Sized {
    /// The longest input accepted, in bytes, as [`Store::MAX_INPUT`].
    const MAX_INPUT: usize = 64;

    /// The value written as `input`, or `EINVAL`/`ERANGE`.
    fn parse(input: &[u8]) -> Result<Self>;
}

macro_rules! parse_ints {
    ($($t:ty),*) => {$(
        impl Parse for $t {
            #[inline]
            fn parse(input: &[u8]) -> Result<Self> {
                parse_int(input)
            }
        }
    )*};
}

parse_ints!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl Parse for bool {
    #[inline]
    fn parse(input: &[u8]) -> Result<Self> {
        parse_bool(input)
    }
}

impl<T: Parse + Unpin> Store for kernel::sync::Mutex<T> {
    const MAX_INPUT: usize = T::MAX_INPUT;

    fn set_from(&self, input: &[u8]) -> Result {
        // Parsed before locking: a malformed write changes nothing.
        let value = T::parse(input)?;
        let old = core::mem::replace(&mut *self.lock(), value);
        // The old value goes after the lock is released.
        drop(old);
        Ok(())
    }
}

/// Locked with interrupts on: a spinlock that interrupt handlers also take
/// must not be set from a file.
impl<T: Parse + Unpin> Store for kernel::sync::SpinLock<T> {
    const MAX_INPUT: usize = T::MAX_INPUT;

    fn set_from(&self, input: &[u8]) -> Result {
        let value = T::parse(input)?;
        let old = core::mem::replace(&mut *self.lock(), value);
        // The old value goes after the lock is released.
        drop(old);
        Ok(())
    }
}

impl<T: Store> Store for kernel::sync::Arc<T> {
    const MAX_INPUT: usize = T::MAX_INPUT;

    #[inline]
    fn set_from(&self, input: &[u8]) -> Result {
        T::set_from(self, input)
    }
}

/// A string of at most `N` bytes (`N` below [`MAX_STORE_INPUT`]), as C's
/// `debugfs_create_str()` holds: shown with a newline after it, set whole by
/// a write, with leading and trailing whitespace removed as C's `strim()`
/// does (so the newline `echo` adds goes); a longer write fails with
/// `EINVAL`. Put it in a `Mutex` (or a `SpinLock` that no interrupt handler
/// takes) to make a file of it.
///
/// # Examples
///
/// ```
/// use kernel::{new_spinlock, sync::{Arc, SpinLock}};
/// use kfiles_attr::Text;
///
/// let name: Arc<SpinLock<Text<16>>> = Arc::pin_init(new_spinlock!(Text::new(b"eth0")?), GFP_KERNEL)?;
/// # let dir = doctest::proc_dir()?;
/// let file = KBox::pin_init(dir.read_write_file(c"name", 0o644, name.clone()), GFP_KERNEL)?;
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/name")?, b"eth0\n");
/// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/name", b"wlan1\n")?, 6);
/// assert_eq!(name.lock().as_bytes(), b"wlan1"); // after `echo wlan1 > name`
/// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/name", b"a-name-of-17-byte").err(), Some(EINVAL));
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/name")?, b"wlan1\n");
/// # // Exactly 16 bytes, with `echo`'s newline and C's trimming.
/// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/name", b" sixteen-bytes-xy\n")?, 18);
/// # assert_eq!(&*doctest::read(c"/proc/kfiles-doctest/name")?, b"sixteen-bytes-xy\n");
/// # // Longer strings than the 64-byte default input.
/// # let long: Arc<SpinLock<Text<100>>> = Arc::pin_init(new_spinlock!(Text::new(b"")?), GFP_KERNEL)?;
/// # let long_file = KBox::pin_init(dir.read_write_file(c"long", 0o644, long.clone()), GFP_KERNEL)?;
/// # assert_eq!(doctest::write(c"/proc/kfiles-doctest/long", &[b'x'; 100])?, 100);
/// # assert_eq!(long.lock().as_bytes(), &[b'x'; 100][..]);
/// ```
#[derive(Clone, Copy)]
pub struct Text<const N: usize> {
    len: usize,
    bytes: [u8; N],
}

impl<const N: usize> Text<N> {
    /// `text`, or `EINVAL` if it is longer than `N` bytes.
    pub fn new(text: &[u8]) -> Result<Self> {
        let mut bytes = [0u8; N];
        bytes
            .get_mut(..text.len())
            .ok_or(EINVAL)?
            .copy_from_slice(text);
        Ok(Self {
            len: text.len(),
            bytes,
        })
    }

    /// The bytes of the string.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> Parse for Text<N> {
    // Room for `N` bytes and the whitespace around them that `parse` trims
    // (the length is checked after trimming); an `N` of `MAX_STORE_INPUT`
    // or more fails to build when used in a file.
    const MAX_INPUT: usize = {
        assert!(N < MAX_STORE_INPUT);
        MAX_STORE_INPUT
    };

    fn parse(input: &[u8]) -> Result<Self> {
        // C's `isspace()`: space and `\t` to `\r` (`\v` included).
        let space = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
        let start = input.iter().position(|b| !space(b)).unwrap_or(input.len());
        let end = input
            .iter()
            .rposition(|b| !space(b))
            .map_or(start, |i| i + 1);
        Self::new(&input[start..end])
    }
}

impl<const N: usize> Show for Text<N> {
    fn show(&self, m: &SeqFile) -> Result {
        m.write_bytes(self.as_bytes());
        m.put_byte(b'\n');
        Ok(())
    }
}
