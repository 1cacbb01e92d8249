// Host errno -> WASI errno.
#include <cerrno>

#include "rt_wasi.h"

namespace kiln::wasi {

int32_t errnoFromHost(int hostErrno) {
  switch (hostErrno) {
    case 0: return kSuccess;
    case E2BIG: return kE2big;
    case EACCES: return kEacces;
    case EADDRINUSE: return kEaddrinuse;
    case EADDRNOTAVAIL: return kEaddrnotavail;
    case EAFNOSUPPORT: return kEafnosupport;
    case EAGAIN: return kEagain;
    case EALREADY: return kEalready;
    case EBADF: return kEbadf;
    case EBADMSG: return kEbadmsg;
    case EBUSY: return kEbusy;
    case ECANCELED: return kEcanceled;
    case ECHILD: return kEchild;
    case ECONNABORTED: return kEconnaborted;
    case ECONNREFUSED: return kEconnrefused;
    case ECONNRESET: return kEconnreset;
    case EDEADLK: return kEdeadlk;
    case EDESTADDRREQ: return kEdestaddrreq;
    case EDOM: return kEdom;
    case EDQUOT: return kEdquot;
    case EEXIST: return kEexist;
    case EFAULT: return kEfault;
    case EFBIG: return kEfbig;
    case EHOSTUNREACH: return kEhostunreach;
    case EIDRM: return kEidrm;
    case EILSEQ: return kEilseq;
    case EINPROGRESS: return kEinprogress;
    case EINTR: return kEintr;
    case EINVAL: return kEinval;
    case EIO: return kEio;
    case EISCONN: return kEisconn;
    case EISDIR: return kEisdir;
    case ELOOP: return kEloop;
    case EMFILE: return kEmfile;
    case EMLINK: return kEmlink;
    case EMSGSIZE: return kEmsgsize;
    case EMULTIHOP: return kEmultihop;
    case ENAMETOOLONG: return kEnametoolong;
    case ENETDOWN: return kEnetdown;
    case ENETRESET: return kEnetreset;
    case ENETUNREACH: return kEnetunreach;
    case ENFILE: return kEnfile;
    case ENOBUFS: return kEnobufs;
    case ENODEV: return kEnodev;
    case ENOENT: return kEnoent;
    case ENOEXEC: return kEnoexec;
    case ENOLCK: return kEnolck;
    case ENOLINK: return kEnolink;
    case ENOMEM: return kEnomem;
    case ENOMSG: return kEnomsg;
    case ENOPROTOOPT: return kEnoprotoopt;
    case ENOSPC: return kEnospc;
    case ENOSYS: return kEnosys;
    case ENOTCONN: return kEnotconn;
    case ENOTDIR: return kEnotdir;
    case ENOTEMPTY: return kEnotempty;
    case ENOTRECOVERABLE: return kEnotrecoverable;
    case ENOTSOCK: return kEnotsock;
    case ENOTSUP: return kEnotsup;  // == EOPNOTSUPP on Linux
    case ENOTTY: return kEnotty;
    case ENXIO: return kEnxio;
    case EOVERFLOW: return kEoverflow;
    case EOWNERDEAD: return kEownerdead;
    case EPERM: return kEperm;
    case EPIPE: return kEpipe;
    case EPROTO: return kEproto;
    case EPROTONOSUPPORT: return kEprotonosupport;
    case EPROTOTYPE: return kEprototype;
    case ERANGE: return kErange;
    case EROFS: return kErofs;
    case ESPIPE: return kEspipe;
    case ESRCH: return kEsrch;
    case ESTALE: return kEstale;
    case ETIMEDOUT: return kEtimedout;
    case ETXTBSY: return kEtxtbsy;
    case EXDEV: return kExdev;
    default: return kEio;
  }
}

}  // namespace kiln::wasi
