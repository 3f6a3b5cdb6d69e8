# SPDX-License-Identifier: GPL-2.0
"""SG_IO (the sg v3 interface) from Python, for VM tests that need what
sg3-utils cannot do: a buffer that is a mapping of the test's choosing
(a read-only file's pages, a page another thread rewrites), a data
direction that contradicts the CDB.

    h, sense = sg_io(fd, cdb, addr, length, SG_DXFER_FROM_DEV)
"""
import ctypes

SG_IO = 0x2285
SG_DXFER_NONE, SG_DXFER_TO_DEV, SG_DXFER_FROM_DEV = -1, -2, -3

libc = ctypes.CDLL(None, use_errno=True)
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]


class SgIoHdr(ctypes.Structure):
    """struct sg_io_hdr (include/scsi/sg.h)."""
    _fields_ = [("interface_id", ctypes.c_int),
                ("dxfer_direction", ctypes.c_int),
                ("cmd_len", ctypes.c_ubyte), ("mx_sb_len", ctypes.c_ubyte),
                ("iovec_count", ctypes.c_ushort), ("dxfer_len", ctypes.c_uint),
                ("dxferp", ctypes.c_void_p), ("cmdp", ctypes.c_void_p),
                ("sbp", ctypes.c_void_p), ("timeout", ctypes.c_uint),
                ("flags", ctypes.c_uint), ("pack_id", ctypes.c_int),
                ("usr_ptr", ctypes.c_void_p), ("status", ctypes.c_ubyte),
                ("masked_status", ctypes.c_ubyte),
                ("msg_status", ctypes.c_ubyte), ("sb_len_wr", ctypes.c_ubyte),
                ("host_status", ctypes.c_ushort),
                ("driver_status", ctypes.c_ushort), ("resid", ctypes.c_int),
                ("duration", ctypes.c_uint), ("info", ctypes.c_uint)]


def sg_io(fd, cdb, addr, length, direction, timeout_ms=20000):
    """One SG_IO ioctl on fd with the buffer at addr: (the header, the
    sense data written). Raises OSError if the ioctl itself fails."""
    c = (ctypes.c_ubyte * len(cdb))(*cdb)
    sense = (ctypes.c_ubyte * 64)()
    h = SgIoHdr(interface_id=ord("S"), dxfer_direction=direction,
                cmd_len=len(cdb), mx_sb_len=64, dxfer_len=length,
                dxferp=addr, cmdp=ctypes.addressof(c),
                sbp=ctypes.addressof(sense), timeout=timeout_ms)
    if libc.ioctl(fd, SG_IO, ctypes.byref(h)):
        raise OSError(ctypes.get_errno(), "SG_IO")
    return h, bytes(sense[:h.sb_len_wr])
