// SPDX-License-Identifier: GPL-2.0
/*
 * File I/O for the documentation examples run as tests (ci/doctests): an
 * example creates a debugfs or procfs file and reads or writes it as user
 * space would, through the file's own read and write operations.
 *
 * kernel_read() and kernel_write() serve only files with read_iter and
 * write_iter, and debugfs's files (and procfs's with proc_read) have plain
 * read and write, which take user pointers. So the bytes pass through an
 * anonymous mapping in the loading task's address space (insmod's: the tests
 * run in the module's init), as the kernel's user-copy tests do.
 *
 * Each file is closed with __fput_sync(), not filp_close(): a task's fput()
 * defers the release to its return to user space, which for insmod is after
 * the whole init, so every example would drop its files while still open
 * and never see a plain release.
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/namei.h>
#include <linux/delay.h>
#include <linux/uaccess.h>

#define KFILES_DOCTEST_MAX (64 * 1024)

/* Called from doctest.rs. */
ssize_t kfiles_doctest_io(const char *path, char *buf, size_t len, size_t chunk, bool write,
			  bool nonblock, loff_t start);
loff_t kfiles_doctest_seek(const char *path, loff_t offset, int whence);
void kfiles_doctest_msleep(unsigned int ms);
bool kfiles_doctest_exists(const char *path);
long kfiles_doctest_poll(const char *path);
int kfiles_doctest_stat(const char *path, loff_t *size, unsigned int *uid, unsigned int *gid);

/* One call of @f's read or write operation at *@pos, through @ubuf. */
static ssize_t kfiles_doctest_rw(struct file *f, char __user *ubuf, size_t len, loff_t *pos,
				 bool write)
{
	if (write) {
		if (f->f_op->write)
			return f->f_op->write(f, ubuf, len, pos);
	} else {
		if (f->f_op->read)
			return f->f_op->read(f, ubuf, len, pos);
	}
	return -EINVAL;
}

/*
 * Reads @path (write == false) to its end into @buf, at most @len bytes, in
 * reads of @chunk bytes; or writes @len bytes of @buf to @path in one write;
 * either from the position @start.
 * @nonblock opens with O_NONBLOCK, and a read that would wait ends the
 * content. Streams (FMODE_STREAM) get no position, as from the VFS. Returns
 * the bytes moved or a negative errno.
 */
ssize_t kfiles_doctest_io(const char *path, char *buf, size_t len, size_t chunk, bool write,
			  bool nonblock, loff_t start)
{
	struct file *f;
	unsigned long uaddr;
	loff_t pos = start, *ppos;
	ssize_t done = 0, n;

	if (len > KFILES_DOCTEST_MAX || !chunk)
		return -EINVAL;
	f = filp_open(path, (write ? O_WRONLY : O_RDONLY) | (nonblock ? O_NONBLOCK : 0), 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ppos = (f->f_mode & FMODE_STREAM) ? NULL : &pos;
	if (write ? !f->f_op->write : !f->f_op->read) {
		/* Iterator-based files (procfs with proc_read_iter). */
		if (write) {
			done = kernel_write(f, buf, len, &pos);
			goto out;
		}
		while (done < len) {
			n = kernel_read(f, buf + done, min(chunk, len - done), &pos);
			if (n < 0)
				done = n;
			if (n <= 0)
				break;
			done += n;
		}
		goto out;
	}
	uaddr = vm_mmap(NULL, 0, KFILES_DOCTEST_MAX, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(uaddr)) {
		done = (long)uaddr;
		goto out;
	}
	if (write) {
		if (copy_to_user((char __user *)uaddr, buf, len))
			done = -EFAULT;
		else
			done = kfiles_doctest_rw(f, (char __user *)uaddr, len, ppos, true);
	} else {
		while (done < len) {
			n = kfiles_doctest_rw(f, (char __user *)uaddr + done,
					      min(chunk, len - done), ppos, false);
			if (n == -EAGAIN && nonblock && done > 0)
				break;
			if (n < 0)
				done = n;
			if (n <= 0)
				break;
			done += n;
		}
		if (done > 0 && copy_from_user(buf, (char __user *)uaddr, done))
			done = -EFAULT;
	}
	vm_munmap(uaddr, KFILES_DOCTEST_MAX);
out:
	__fput_sync(f);
	return done;
}

/*
 * The events the file at @path reports ready to a poller that does not wait
 * (vfs_poll() without a poll table), or a negative errno if it cannot be
 * opened.
 */
long kfiles_doctest_poll(const char *path)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	__poll_t mask;

	if (IS_ERR(f))
		return PTR_ERR(f);
	mask = vfs_poll(f, NULL);
	__fput_sync(f);
	return (__force long)mask;
}

/*
 * Where lseek(@offset, @whence) puts a new open file of @path (read-only), or
 * a negative errno.
 */
loff_t kfiles_doctest_seek(const char *path, loff_t offset, int whence)
{
	struct file *f = filp_open(path, O_RDONLY, 0);
	loff_t pos;

	if (IS_ERR(f))
		return PTR_ERR(f);
	pos = vfs_llseek(f, offset, whence);
	__fput_sync(f);
	return pos;
}

/* Whether @path names a file or directory (symbolic links followed). */
bool kfiles_doctest_exists(const char *path)
{
	struct path p;

	if (kern_path(path, LOOKUP_FOLLOW, &p))
		return false;
	path_put(&p);
	return true;
}

/*
 * What stat() of @path shows (symbolic links followed): its size, and its
 * owner's ids in the initial user namespace. 0 or a negative errno.
 */
int kfiles_doctest_stat(const char *path, loff_t *size, unsigned int *uid, unsigned int *gid)
{
	struct path p;
	struct kstat st;
	int err;

	err = kern_path(path, LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	err = vfs_getattr(&p, &st, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	path_put(&p);
	if (err)
		return err;
	*size = st.size;
	*uid = from_kuid(&init_user_ns, st.uid);
	*gid = from_kgid(&init_user_ns, st.gid);
	return 0;
}

void kfiles_doctest_msleep(unsigned int ms)
{
	msleep(ms);
}
