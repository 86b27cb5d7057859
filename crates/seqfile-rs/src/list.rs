// SPDX-License-Identifier: GPL-2.0

//! A seq_file over a kernel list held under a lock: the form of C's
//! `seq_list_start()`/`seq_list_next()` for `kernel::list::List`.

use crate::{SeqFile, SeqIterator};
use core::ops::Deref;
use kernel::{
    error::Result,
    list::{Iter, List, ListItem},
    sync::{lock::mutex::MutexBackend, lock::Guard, ArcBorrow, Mutex},
};

/// A driver's list of records and how to print one, for [`ListFile`].
///
/// The list is a `kernel::list::List` inside a kernel `Mutex`. [`ListFile`]
/// takes the mutex when a read starts and releases it when the read's chunk
/// is done, as C's `seq_list_start()` users do in their `start` and `stop`:
/// every record it shows is in the list while it is shown, and nothing can
/// change the list in between. [`show`](ListShow::show) and
/// [`show_header`](ListShow::show_header) get the locked list too; they must
/// not lock it again (a deadlock).
///
/// A reader decides how long the mutex is held: `start` walks to the read's
/// index, and a seek or `pread()` far into the file prints every record
/// before it in one section. That is why only a sleeping lock is offered: a
/// list that interrupt handlers change sits under a spinlock with
/// interrupts off, which no reader should hold for the length of a list.
/// Show such a list with a [`SeqIterator`] whose cursor copies a bounded
/// batch of records under the lock, or under RCU.
///
/// Between two `read()` calls the lock is released, so the list may change;
/// the next read continues at the index where the last one stopped, as
/// `seq_list_start()` does (records inserted or removed before that index
/// shift what the reader sees, as in C).
///
/// `ID` is the list's id, for items that are in several lists.
///
/// Items are made list items with [`kfiles_compat::list_item!`], which has one
/// syntax on every supported kernel.
///
/// # Examples
///
/// ```
/// use kernel::{list::{List, ListArc, ListLinks}, sync::{Arc, Mutex}};
/// use seqfile_rs::{seq_print, ListFile, ListShow, SeqFile};
///
/// #[pin_data]
/// struct Client {
///     id: u32,
///     #[pin]
///     links: ListLinks,
/// }
/// kfiles_compat::list_item!(Client, links);
///
/// #[pin_data]
/// struct Clients {
///     #[pin]
///     list: Mutex<List<Client>>,
/// }
///
/// impl ListShow for Clients {
///     type Item = Client;
///
///     fn list(&self) -> &Mutex<List<Client>> {
///         &self.list
///     }
///     fn show(&self, _list: &List<Client>, client: &Client, m: &SeqFile) -> Result {
///         seq_print!(m, "client {}\n", client.id);
///         Ok(())
///     }
/// }
///
/// # let dir = doctest::debugfs_dir();
/// let clients = Arc::pin_init(try_pin_init!(Clients { list <- kernel::new_mutex!(List::new()) }), GFP_KERNEL)?;
/// let file = KBox::pin_init(dir.seq_file(c"clients", 0o444, ListFile(clients.clone())), GFP_KERNEL)?;
/// for id in [3, 1, 2] {
///     let client = ListArc::pin_init(
///         try_pin_init!(Client { id, links <- ListLinks::new() }),
///         GFP_KERNEL,
///     )?;
///     clients.list.lock().push_back(client);
/// }
/// // cat clients -> client 3, client 1, client 2, a line each
/// # let want = b"client 3\nclient 1\nclient 2\n";
/// # assert_eq!(&*doctest::read_in(c"/sys/kernel/debug/kfiles-doctest/clients", 3)?, want);
/// ```
pub trait ListShow<const ID: u64 = 0>: Sync {
    /// The records.
    type Item: ?Sized + ListItem<ID>;

    /// Whether a header precedes the records (C's `seq_list_start_head()`).
    const HAS_HEADER: bool = false;

    /// The list, in its mutex.
    fn list(&self) -> &Mutex<List<Self::Item, ID>>;

    /// Prints `item` of `list`, which is locked.
    fn show(&self, list: &List<Self::Item, ID>, item: &Self::Item, m: &SeqFile) -> Result;

    /// Prints the header, when [`HAS_HEADER`](ListShow::HAS_HEADER), with
    /// `list` locked (to count it, say).
    fn show_header(&self, _list: &List<Self::Item, ID>, _m: &SeqFile) -> Result {
        Ok(())
    }
}

/// A seq_file showing the records of a locked kernel list, one
/// [`ListShow::show`] each; see [`ListShow`].
///
/// A [`SeqIterator`]: create the file with `seq_file()` of a debugfs or
/// procfs directory. `P` points at the [`ListShow`] value (an `Arc` that the
/// driver shares with the code that changes the list, a `Pin<KBox<_>>`, a
/// `&'static`), since a lock cannot move.
pub struct ListFile<P, const ID: u64 = 0>(pub P);

/// Where a read of a [`ListFile`] is: the record shown, the rest of the list,
/// and the lock that keeps both.
///
/// # Invariants
///
/// `current` and `rest` borrow the list inside the lock `guard` holds, for
/// `'a`, the lifetime of the lock's borrow: the list is neither moved (the
/// lock is borrowed for `'a`) nor changed (only through the guard, which
/// this cursor keeps to itself) until `guard` is dropped, which happens
/// after `current` and `rest` (fields drop in order).
pub struct ListCursor<'a, T: ?Sized + ListItem<ID>, const ID: u64> {
    current: ArcBorrow<'a, T>,
    rest: Iter<'a, T, ID>,
    guard: Guard<'a, List<T, ID>, MutexBackend>,
}

impl<P, const ID: u64> SeqIterator for ListFile<P, ID>
where
    P: Deref + Sync + 'static,
    P::Target: ListShow<ID>,
{
    type Cursor<'a>
        = ListCursor<'a, <P::Target as ListShow<ID>>::Item, ID>
    where
        Self: 'a;
    const HAS_HEADER: bool = <P::Target as ListShow<ID>>::HAS_HEADER;

    fn start(&self, index: u64) -> Option<Self::Cursor<'_>> {
        let guard = self.0.list().lock();
        let list: *const List<<P::Target as ListShow<ID>>::Item, ID> = &*guard;
        // SAFETY: The list lives in the lock borrowed from `self` for the
        // returned lifetime and does not change or move while `guard` is
        // held; the cursor drops `guard` last (`ListCursor` invariants).
        let list: &List<_, ID> = unsafe { &*list };
        let mut rest = list.iter();
        // `seq_list_start()`: walk to the index.
        let current = rest.nth(usize::try_from(index).ok()?)?;
        // INVARIANT: `current` and `rest` borrow the list `guard` locks.
        Some(ListCursor {
            current,
            rest,
            guard,
        })
    }

    fn next(&self, cursor: &mut Self::Cursor<'_>) -> bool {
        match cursor.rest.next() {
            Some(item) => {
                cursor.current = item;
                true
            }
            None => false,
        }
    }

    fn show(&self, cursor: &Self::Cursor<'_>, m: &SeqFile) -> Result {
        self.0.show(&cursor.guard, &cursor.current, m)
    }

    fn show_header(&self, m: &SeqFile) -> Result {
        // No cursor exists here: the header is shown before `start` of
        // record 0 (`SEQ_START_TOKEN`), so the mutex is free.
        let guard = self.0.list().lock();
        self.0.show_header(&guard, m)
    }
}
