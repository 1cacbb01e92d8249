// Host errno -> WASI errno.
#include <cerrno>

#include "rt_wasi.h"

namespace kiln::wasi {

int32_t errnoFromHost(int hostErrno) {
  switch (hostErrno) {
    case 0: return kSuccess;
    case E2BIG: return kE2big;
    case EACCES: return kEacces;
    case EAGAIN: return kEagain;
    case EBADF: return kEbadf;
    case EBUSY: return kEbusy;
    case EEXIST: return kEexist;
    case EFAULT: return kEfault;
    case EFBIG: return kEfbig;
    case EINTR: return kEintr;
    case EINVAL: return kEinval;
    case EIO: return kEio;
    case EISDIR: return kEisdir;
    case ELOOP: return kEloop;
    case EMFILE: return kEmfile;
    case ENAMETOOLONG: return kEnametoolong;
    case ENOENT: return kEnoent;
    case ENOMEM: return kEnomem;
    case ENOSPC: return kEnospc;
    case ENOSYS: return kEnosys;
    case ENOTDIR: return kEnotdir;
    case ENOTEMPTY: return kEnotempty;
    case ENOTSUP: return kEnotsup;
    case ENOTTY: return kEnotty;
    case EOVERFLOW: return kEoverflow;
    case EPERM: return kEperm;
    case EPIPE: return kEpipe;
    case EROFS: return kErofs;
    case ESPIPE: return kEspipe;
    case EXDEV: return kExdev;
    default: return kEio;
  }
}

}  // namespace kiln::wasi
