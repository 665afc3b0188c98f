"""Tiny generated media: PNG pictures, WAV audio and an MP4 video, all valid files.

Nothing here needs ffmpeg or Pillow. The video is an ISO base media file (MP4) with one
uncompressed RGB track (QuickTime's `raw ` sample format, which ffmpeg and VLC play): a few
small frames, enough for a player or a proxy to recognise and stream, not to look at.
"""

from __future__ import annotations

from functools import lru_cache
import hashlib
import math
import struct
import zlib

MEDIA_SECONDS = 3
AUDIO_RATE = 8_000
VIDEO_SIZE = (32, 18)
VIDEO_FPS = 2
MAX_IMAGE_SIDE = 1_920


def color(seed: str) -> tuple[int, int, int]:
    """Return an RGB colour derived from a seed (an item id, a tag)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return digest[0], digest[1], digest[2]


# -- PNG ------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """Return one PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=256)
def png(seed: str, width: int, height: int) -> bytes:
    """Return a PNG of the given size: a vertical gradient in the seed's colour."""
    width = max(1, min(width, MAX_IMAGE_SIDE))
    height = max(1, min(height, MAX_IMAGE_SIDE))
    red, green, blue = color(seed)
    rows = bytearray()
    for y in range(height):
        shade = 0.5 + 0.5 * y / max(height - 1, 1)
        pixel = bytes((int(red * shade), int(green * shade), int(blue * shade)))
        rows += b"\x00" + pixel * width  # filter type 0 (None) on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(bytes(rows), 6)),
            _png_chunk(b"IEND", b""),
        )
    )


# -- WAV ------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def wav(seed: str, seconds: int = MEDIA_SECONDS) -> bytes:
    """Return a mono 16-bit PCM WAV: a sine tone whose pitch comes from the seed."""
    frequency = 220 + color(seed)[0] * 2
    frames = AUDIO_RATE * seconds
    samples = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * frequency * n / AUDIO_RATE)))
        for n in range(frames)
    )
    fmt = struct.pack("<HHIIHH", 1, 1, AUDIO_RATE, AUDIO_RATE * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- MP4 ------------------------------------------------------------------------------------


def _box(kind: bytes, *parts: bytes) -> bytes:
    """Return an ISO BMFF box."""
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    """Return an ISO BMFF full box (version and flags first)."""
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


@lru_cache(maxsize=16)
def mp4(seed: str, seconds: int = MEDIA_SECONDS) -> bytes:
    """Return an MP4 with one uncompressed video track of `seconds` seconds."""
    width, height = VIDEO_SIZE
    frame_count = seconds * VIDEO_FPS
    frame_size = width * height * 3
    red, green, blue = color(seed)
    frames = b"".join(
        bytes(((red + 40 * i) % 256, green, (blue + 25 * i) % 256)) * (width * height)
        for i in range(frame_count)
    )
    timescale = 1_000
    duration = seconds * timescale
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isom", b"iso2", b"mp41")
    mdat = _box(b"mdat", frames)
    sample_entry = _box(
        b"raw ",
        b"\x00" * 6,
        struct.pack(">H", 1),  # data reference index
        b"\x00" * 16,
        struct.pack(">HH", width, height),
        struct.pack(">II", 0x00480000, 0x00480000),  # 72 dpi
        struct.pack(">I", 0),
        struct.pack(">H", 1),  # frames per sample
        b"\x00" * 32,  # compressor name
        struct.pack(">Hh", 24, -1),  # depth, no colour table
    )
    chunk_offset = len(ftyp) + 8  # the frames start right after mdat's header
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), sample_entry),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, frame_count, timescale // VIDEO_FPS)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, frame_count, 1)),
        _full_box(b"stsz", 0, 0, struct.pack(">II", frame_size, frame_count)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, b"\x00" * 8),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, b"\x00" * 4, b"vide", b"\x00" * 12, b"Video\x00"),
        minf,
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,  # enabled, in movie
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        b"\x00" * 8,
        struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration),
        struct.pack(">IH", 0x10000, 0x100),  # rate 1.0, volume 1.0
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),  # next track id
    )
    moov = _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))
    return ftyp + mdat + moov
