// SPDX-License-Identifier: GPL-2.0

//! EFI zboot and arm64 `Image` header parsing.
//!
//! Pure and safe: no `unsafe`, no allocation, no kernel calls. The same source is built into the
//! kernel as a module of the loader and on the host (`rust/Cargo.toml`) for unit tests and
//! fuzzing.
//!
//! Everything here reads bytes of a file that nobody has vouched for yet (`probe` runs before the
//! signature check), so every offset and size is bounds-checked with checked arithmetic before it
//! is used, and every refusal says why in a [`Refusal`].
//!
//! The zboot header (`drivers/firmware/efi/libstub/zboot-header.S`):
//!
//! | offset | field                                                       |
//! |--------|-------------------------------------------------------------|
//! | 0x00   | `"MZ"` (DOS header magic, as in every PE file)              |
//! | 0x04   | `"zimg"`                                                    |
//! | 0x08   | le32 payload offset from the start of the file              |
//! | 0x0c   | le32 payload size                                           |
//! | 0x18   | compression name, NUL-terminated before 0x38                |
//! | 0x3c   | le32 offset of the PE header (`"PE\0\0"`, machine `0xaa64`) |
//!
//! The payload decompresses to an arm64 `Image`. Its length is the last le32 of the compressed
//! data: for gzip that is the gzip `ISIZE` field, the payload's last four bytes; for every other
//! method the build appends it right after the payload, outside the declared payload size.

use core::fmt;

/// Length of the zboot header read by [`Zboot::parse`].
pub const ZBOOT_HEADER_LEN: usize = 0x40;

/// Length of the arm64 `Image` header (`Documentation/arch/arm64/booting.rst`).
pub const IMAGE_HEADER_LEN: usize = 64;

/// Largest uncompressed image the loader accepts, whatever the machine.
///
/// An arm64 distribution kernel is 30-60 MiB; even a KASAN build stays well below this.
pub const MAX_IMAGE_SIZE: usize = 512 << 20;

pub(crate) const MZ_MAGIC: &[u8] = b"MZ";
const ZIMG_MAGIC: &[u8] = b"zimg";
const PAYLOAD_OFFSET_FIELD: usize = 0x08;
const PAYLOAD_SIZE_FIELD: usize = 0x0c;
const METHOD_NAME_FIELD: usize = 0x18;
const METHOD_NAME_END: usize = 0x38;
pub(crate) const PE_HEADER_OFFSET_FIELD: usize = 0x3c;
pub(crate) const PE_MAGIC: &[u8] = b"PE\0\0";
pub(crate) const PE_MACHINE_ARM64: u16 = 0xaa64;
const SIZE_TRAILER_LEN: usize = 4;

const IMAGE_TEXT_OFFSET_FIELD: usize = 0x08;
const IMAGE_SIZE_FIELD: usize = 0x10;
const IMAGE_FLAGS_FIELD: usize = 0x18;
const IMAGE_MAGIC_FIELD: usize = 0x38;
const IMAGE_MAGIC: &[u8] = b"ARM\x64";
const IMAGE_FLAG_BE: u64 = 1 << 0;
const IMAGE_FLAG_PAGE_SIZE_SHIFT: u32 = 1;
const IMAGE_FLAG_PAGE_SIZE_MASK: u64 = 0b11;

/// Longest compression name that fits between 0x18 and the NUL before 0x38.
pub const MAX_METHOD_NAME_LEN: usize = METHOD_NAME_END - METHOD_NAME_FIELD - 1;

/// A compression method a zboot image has carried at some point since zboot appeared in 6.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `gzip`: the only method besides zstd that 6.12 builds.
    Gzip,
    /// `zstd`: what 6.12 calls its `zstd -22 --ultra` payloads.
    Zstd,
    /// `zstd22`: the same, as named by 6.2-6.11.
    Zstd22,
    /// `xzkern`: xz with the kernel's BCJ filter choice.
    Xzkern,
    /// `lzma`: the legacy `.lzma` ("LZMA alone") format.
    Lzma,
    /// `lz4`: the legacy lz4 frame format (`lz4 -l`).
    Lz4,
    /// `lzo`: the `lzop` file format.
    Lzo,
    /// `bzip2`: never built by zboot, but a valid kernel compression name.
    Bzip2,
}

impl Method {
    const ALL: [Method; 8] = [
        Method::Gzip,
        Method::Zstd,
        Method::Zstd22,
        Method::Xzkern,
        Method::Lzma,
        Method::Lz4,
        Method::Lzo,
        Method::Bzip2,
    ];

    /// The name written in the zboot header.
    pub fn name(self) -> &'static str {
        match self {
            Method::Gzip => "gzip",
            Method::Zstd => "zstd",
            Method::Zstd22 => "zstd22",
            Method::Xzkern => "xzkern",
            Method::Lzma => "lzma",
            Method::Lz4 => "lz4",
            Method::Lzo => "lzo",
            Method::Bzip2 => "bzip2",
        }
    }

    /// Looks a header's compression name up; `None` for names no zboot image has carried.
    pub fn from_name(name: &[u8]) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|method| method.name().as_bytes() == name)
    }

    /// Whether the uncompressed-size trailer is the payload's own last four bytes (gzip `ISIZE`)
    /// rather than four bytes appended after it.
    fn size_is_inside_payload(name: &[u8]) -> bool {
        Method::from_name(name) == Some(Method::Gzip)
    }
}

/// A compression name from a zboot header, kept by value for messages.
///
/// Only ever holds `[a-z0-9_]` bytes (see [`Zboot::parse`]), so it prints as it is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MethodName {
    bytes: [u8; MAX_METHOD_NAME_LEN],
    len: usize,
}

impl MethodName {
    fn new(name: &[u8]) -> Self {
        let mut bytes = [0; MAX_METHOD_NAME_LEN];
        let len = name.len().min(MAX_METHOD_NAME_LEN);
        bytes[..len].copy_from_slice(&name[..len]);
        Self { bytes, len }
    }

    /// The name's bytes, without a terminating NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Display for MethodName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.as_bytes() {
            write!(f, "{}", char::from(byte))?;
        }
        Ok(())
    }
}

impl fmt::Debug for MethodName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Why the loader refuses a file. Each variant prints as the one log line naming the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `MZ`...`zimg` magic: not a zboot image at all, the next loader may take it.
    NotZboot,
    /// The file ends inside the zboot header.
    HeaderTruncated {
        /// Length of the file.
        file_len: usize,
    },
    /// The PE header offset at 0x3c points outside the file.
    PeHeaderOutOfBounds {
        /// The offset read from the header.
        offset: u32,
    },
    /// There is no `PE\0\0` signature where 0x3c points.
    NoPeSignature {
        /// The offset read from the header.
        offset: u32,
    },
    /// The PE header names another machine than arm64.
    WrongMachine {
        /// The PE machine type.
        machine: u16,
    },
    /// The compression name has no NUL before 0x38.
    MethodNameUnterminated,
    /// The compression name is empty or has bytes other than `[a-z0-9_]`.
    MethodNameInvalid,
    /// The payload overlaps the header, is empty, or extends past the end of the file.
    PayloadOutOfBounds {
        /// Payload offset read from the header.
        offset: u32,
        /// Payload size read from the header.
        size: u32,
        /// Length of the file.
        file_len: usize,
    },
    /// The uncompressed-size trailer lies outside the file.
    SizeTrailerOutOfBounds,
    /// This kernel has no decompressor for the payload's method.
    UnsupportedMethod {
        /// The compression name from the header.
        name: MethodName,
        /// Whether zboot images have ever used this name.
        known: bool,
    },
    /// The declared uncompressed size cannot even hold an arm64 `Image` header.
    DeclaredSizeTooSmall {
        /// The declared uncompressed size.
        declared: usize,
    },
    /// The declared uncompressed size is over the limit.
    DeclaredSizeTooLarge {
        /// The declared uncompressed size.
        declared: usize,
        /// The limit: [`MAX_IMAGE_SIZE`] or half of RAM, whichever is less.
        limit: usize,
    },
    /// The payload decompresses to more than its declared size.
    OutputOverflow {
        /// The declared uncompressed size.
        declared: usize,
    },
    /// The payload is not a valid stream of its method (or fails its checksum).
    CorruptPayload {
        /// The compression name.
        name: MethodName,
    },
    /// The payload decompresses to less than its declared size.
    OutputShort {
        /// The declared uncompressed size.
        declared: usize,
        /// Bytes the payload decompressed to.
        actual: usize,
    },
    /// The decompressed data is shorter than an arm64 `Image` header.
    ImageTooShort {
        /// Length of the decompressed data.
        len: usize,
    },
    /// The decompressed data has no `ARM\x64` magic.
    NotArm64Image,
    /// The `Image` header's `image_size` is 0 (pre-3.17 kernels: ambiguous layout).
    ZeroImageSize,
    /// The `Image` header's `image_size` is smaller than the image itself.
    ImageSizeTooSmall {
        /// `image_size` from the header.
        image_size: u64,
        /// Length of the decompressed image.
        len: usize,
    },
    /// `image_size` plus `text_offset` is over [`MAX_IMAGE_SIZE`].
    ImageSizeTooLarge {
        /// `image_size` from the header.
        image_size: u64,
        /// `text_offset` from the header.
        text_offset: u64,
    },
    /// The image's endianness differs from the kernel's and the CPU cannot switch.
    EndiannessUnsupported {
        /// Whether the image is big-endian.
        image_big_endian: bool,
    },
    /// The CPU does not implement the image's page size.
    PageSizeUnsupported {
        /// The image's page size in KiB.
        kib: u32,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Refusal::NotZboot => write!(f, "not a zboot image (no MZ/zimg magic)"),
            Refusal::HeaderTruncated { file_len } => write!(
                f,
                "zboot header truncated: file is {file_len} bytes, header needs {ZBOOT_HEADER_LEN}"
            ),
            Refusal::PeHeaderOutOfBounds { offset } => {
                write!(f, "PE header offset {offset:#x} is outside the file")
            }
            Refusal::NoPeSignature { offset } => {
                write!(f, "no PE signature at offset {offset:#x}")
            }
            Refusal::WrongMachine { machine } => write!(
                f,
                "zboot image is for PE machine {machine:#06x}, not arm64 ({PE_MACHINE_ARM64:#06x})"
            ),
            Refusal::MethodNameUnterminated => {
                write!(f, "compression name is not NUL-terminated before 0x38")
            }
            Refusal::MethodNameInvalid => {
                write!(f, "compression name is empty or not [a-z0-9_]")
            }
            Refusal::PayloadOutOfBounds {
                offset,
                size,
                file_len,
            } => write!(
                f,
                "payload (offset {offset:#x}, size {size:#x}) is empty, overlaps the header or \
                 ends past the end of the file ({file_len:#x} bytes)"
            ),
            Refusal::SizeTrailerOutOfBounds => {
                write!(f, "uncompressed size trailer lies past the end of the file")
            }
            Refusal::UnsupportedMethod { name, known: true } => {
                write!(f, "this kernel has no {name} decompressor")
            }
            Refusal::UnsupportedMethod { name, known: false } => {
                write!(f, "unknown compression method \"{name}\"")
            }
            Refusal::DeclaredSizeTooSmall { declared } => write!(
                f,
                "declared uncompressed size {declared} is smaller than an Image header"
            ),
            Refusal::DeclaredSizeTooLarge { declared, limit } => write!(
                f,
                "declared uncompressed size {declared} is over the limit of {limit} bytes"
            ),
            Refusal::OutputOverflow { declared } => write!(
                f,
                "payload decompresses to more than its declared {declared} bytes"
            ),
            Refusal::CorruptPayload { name } => write!(
                f,
                "{name} payload is corrupt, truncated, has trailing data or fails its checksum"
            ),
            Refusal::OutputShort { declared, actual } => write!(
                f,
                "payload decompresses to {actual} bytes, declared {declared}"
            ),
            Refusal::ImageTooShort { len } => {
                write!(
                    f,
                    "decompressed image ({len} bytes) is shorter than its header"
                )
            }
            Refusal::NotArm64Image => {
                write!(f, "payload is not an arm64 Image (no ARM\\x64 magic)")
            }
            Refusal::ZeroImageSize => write!(f, "Image header has image_size 0"),
            Refusal::ImageSizeTooSmall { image_size, len } => write!(
                f,
                "Image header's image_size {image_size} is smaller than the image ({len} bytes)"
            ),
            Refusal::ImageSizeTooLarge {
                image_size,
                text_offset,
            } => write!(
                f,
                "Image needs {image_size} + {text_offset} bytes, over the limit of \
                 {MAX_IMAGE_SIZE}"
            ),
            Refusal::EndiannessUnsupported {
                image_big_endian: true,
            } => write!(f, "big-endian Image, and this CPU cannot run one"),
            Refusal::EndiannessUnsupported {
                image_big_endian: false,
            } => write!(f, "little-endian Image, and this CPU cannot run one"),
            Refusal::PageSizeUnsupported { kib } => {
                write!(
                    f,
                    "Image uses {kib}K pages, which this CPU does not support"
                )
            }
        }
    }
}

/// What kind of refusal a [`Refusal`] is: the loader gives each kind one kernel error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// Not this loader's format, or not an arm64 `Image` inside: `ENOEXEC`, so that the next
    /// loader may take the file.
    OtherFormat,
    /// A header field is out of bounds or out of range, or the CPU cannot run the `Image`:
    /// `EINVAL`.
    Invalid,
    /// The kernel has no decompressor for the payload's method: `EOPNOTSUPP`.
    UnsupportedMethod,
    /// The image is, or decompresses to, more than the limit or its declared size: `EFBIG`.
    TooLarge,
    /// The payload is not a valid stream of its method, or too short: `EBADMSG`.
    CorruptPayload,
}

impl Refusal {
    /// The kind of this refusal, which decides its error code.
    pub fn kind(&self) -> RefusalKind {
        match *self {
            Refusal::NotZboot | Refusal::NotArm64Image => RefusalKind::OtherFormat,
            Refusal::HeaderTruncated { .. }
            | Refusal::PeHeaderOutOfBounds { .. }
            | Refusal::NoPeSignature { .. }
            | Refusal::WrongMachine { .. }
            | Refusal::MethodNameUnterminated
            | Refusal::MethodNameInvalid
            | Refusal::PayloadOutOfBounds { .. }
            | Refusal::SizeTrailerOutOfBounds
            | Refusal::DeclaredSizeTooSmall { .. }
            | Refusal::ImageTooShort { .. }
            | Refusal::ZeroImageSize
            | Refusal::ImageSizeTooSmall { .. }
            | Refusal::EndiannessUnsupported { .. }
            | Refusal::PageSizeUnsupported { .. } => RefusalKind::Invalid,
            Refusal::UnsupportedMethod { .. } => RefusalKind::UnsupportedMethod,
            Refusal::DeclaredSizeTooLarge { .. }
            | Refusal::OutputOverflow { .. }
            | Refusal::ImageSizeTooLarge { .. } => RefusalKind::TooLarge,
            Refusal::CorruptPayload { .. } | Refusal::OutputShort { .. } => {
                RefusalKind::CorruptPayload
            }
        }
    }
}

/// Reads a le32 at `offset`, or `None` past the end of `bytes`.
pub(crate) fn le32(bytes: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let field = bytes.get(offset..end)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

/// Reads a le16 at `offset`, or `None` past the end of `bytes`.
pub(crate) fn le16(bytes: &[u8], offset: usize) -> Option<u16> {
    let end = offset.checked_add(2)?;
    let field = bytes.get(offset..end)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

/// Reads a le64 at `offset`, or `None` past the end of `bytes`.
fn le64(bytes: &[u8], offset: usize) -> Option<u64> {
    let lo = le32(bytes, offset)?;
    let hi = le32(bytes, offset.checked_add(4)?)?;
    Some(u64::from(hi) << 32 | u64::from(lo))
}

/// Converts a le32 file offset or size to `usize`.
pub(crate) fn to_usize(value: u32) -> usize {
    // Lossless: the loader only builds for 64-bit arm64, the host tests for 32/64-bit hosts.
    value as usize
}

/// Whether `file` starts with the zboot magic. Says nothing about the rest of the header.
pub fn has_zboot_magic(file: &[u8]) -> bool {
    file.starts_with(MZ_MAGIC) && file.get(4..8) == Some(ZIMG_MAGIC)
}

/// A zboot image whose header has been checked: the payload and the size trailer lie inside the
/// file, the compression name is well-formed, and the PE header is arm64's.
#[derive(Clone, Copy, Debug)]
pub struct Zboot<'a> {
    name_with_nul: &'a [u8],
    payload: &'a [u8],
    declared_size: u32,
}

impl<'a> Zboot<'a> {
    /// Parses and checks the zboot header of `file`.
    ///
    /// Returns [`Refusal::NotZboot`] (and nothing else) for files without the zboot magic.
    pub fn parse(file: &'a [u8]) -> Result<Self, Refusal> {
        if !has_zboot_magic(file) {
            return Err(Refusal::NotZboot);
        }
        let header = file
            .get(..ZBOOT_HEADER_LEN)
            .ok_or(Refusal::HeaderTruncated {
                file_len: file.len(),
            })?;
        check_pe_header(file, header)?;
        let name_with_nul = method_name_with_nul(header)?;
        let name = &name_with_nul[..name_with_nul.len() - 1];
        let (payload, payload_end) = payload(file, header)?;
        let declared_size = declared_size(file, payload, payload_end, name)?;
        Ok(Self {
            name_with_nul,
            payload,
            declared_size,
        })
    }

    /// The compression name, without its NUL.
    pub fn method_name(&self) -> MethodName {
        MethodName::new(self.name_bytes())
    }

    fn name_bytes(&self) -> &'a [u8] {
        &self.name_with_nul[..self.name_with_nul.len() - 1]
    }

    /// The compression name with its terminating NUL, for C.
    pub fn method_name_with_nul(&self) -> &'a [u8] {
        self.name_with_nul
    }

    /// The compression method, `None` for a name no zboot image has carried.
    pub fn method(&self) -> Option<Method> {
        Method::from_name(self.name_bytes())
    }

    /// The compressed payload, exactly as the header delimits it.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The uncompressed size the trailer declares. Not to be trusted on its own: see
    /// [`checked_declared_size`] and [`Arm64Image::parse`].
    pub fn declared_size(&self) -> usize {
        to_usize(self.declared_size)
    }

    /// [`Refusal::UnsupportedMethod`] for this image's method.
    pub fn unsupported_method(&self) -> Refusal {
        Refusal::UnsupportedMethod {
            name: self.method_name(),
            known: self.method().is_some(),
        }
    }

    /// [`Refusal::CorruptPayload`] for this image's method.
    pub fn corrupt_payload(&self) -> Refusal {
        Refusal::CorruptPayload {
            name: self.method_name(),
        }
    }
}

fn check_pe_header(file: &[u8], header: &[u8]) -> Result<(), Refusal> {
    let offset = le32(header, PE_HEADER_OFFSET_FIELD).ok_or(Refusal::HeaderTruncated {
        file_len: file.len(),
    })?;
    let pe = to_usize(offset);
    let signature_end = pe.checked_add(PE_MAGIC.len());
    let signature = signature_end
        .and_then(|end| file.get(pe..end))
        .ok_or(Refusal::PeHeaderOutOfBounds { offset })?;
    if signature != PE_MAGIC {
        return Err(Refusal::NoPeSignature { offset });
    }
    let machine = signature_end
        .and_then(|end| le16(file, end))
        .ok_or(Refusal::PeHeaderOutOfBounds { offset })?;
    if machine != PE_MACHINE_ARM64 {
        return Err(Refusal::WrongMachine { machine });
    }
    Ok(())
}

fn method_name_with_nul(header: &[u8]) -> Result<&[u8], Refusal> {
    let field = &header[METHOD_NAME_FIELD..METHOD_NAME_END];
    let nul = field
        .iter()
        .position(|&byte| byte == 0)
        .ok_or(Refusal::MethodNameUnterminated)?;
    let name = &field[..nul];
    let well_formed = name
        .iter()
        .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
    if name.is_empty() || !well_formed {
        return Err(Refusal::MethodNameInvalid);
    }
    Ok(&field[..=nul])
}

/// The payload and the offset just past it.
fn payload<'a>(file: &'a [u8], header: &[u8]) -> Result<(&'a [u8], usize), Refusal> {
    let offset = le32(header, PAYLOAD_OFFSET_FIELD).unwrap_or(0);
    let size = le32(header, PAYLOAD_SIZE_FIELD).unwrap_or(0);
    let out_of_bounds = Refusal::PayloadOutOfBounds {
        offset,
        size,
        file_len: file.len(),
    };
    let start = to_usize(offset);
    if start < ZBOOT_HEADER_LEN || size == 0 {
        return Err(out_of_bounds);
    }
    let end = start.checked_add(to_usize(size)).ok_or(out_of_bounds)?;
    let payload = file.get(start..end).ok_or(out_of_bounds)?;
    Ok((payload, end))
}

fn declared_size(
    file: &[u8],
    payload: &[u8],
    payload_end: usize,
    name: &[u8],
) -> Result<u32, Refusal> {
    if Method::size_is_inside_payload(name) {
        let trailer = payload
            .len()
            .checked_sub(SIZE_TRAILER_LEN)
            .ok_or(Refusal::SizeTrailerOutOfBounds)?;
        le32(payload, trailer).ok_or(Refusal::SizeTrailerOutOfBounds)
    } else {
        le32(file, payload_end).ok_or(Refusal::SizeTrailerOutOfBounds)
    }
}

/// The most a machine with `total_ram` bytes lets one image take: [`MAX_IMAGE_SIZE`] or half of
/// RAM, whichever is less.
pub fn image_size_limit(total_ram: u64) -> usize {
    let half = usize::try_from(total_ram / 2).unwrap_or(usize::MAX);
    half.min(MAX_IMAGE_SIZE)
}

/// Checks the declared uncompressed size before anything is allocated for it.
pub fn checked_declared_size(zboot: &Zboot<'_>, limit: usize) -> Result<usize, Refusal> {
    let declared = zboot.declared_size();
    if declared < IMAGE_HEADER_LEN {
        return Err(Refusal::DeclaredSizeTooSmall { declared });
    }
    if declared > limit {
        return Err(Refusal::DeclaredSizeTooLarge { declared, limit });
    }
    Ok(declared)
}

/// Byte order of an arm64 `Image`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endianness {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// Page size an arm64 `Image` was built for (`flags` bits 1-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    /// Not stated.
    Unspecified,
    /// 4K pages.
    K4,
    /// 16K pages.
    K16,
    /// 64K pages.
    K64,
}

impl PageSize {
    fn kib(self) -> u32 {
        match self {
            PageSize::Unspecified => 0,
            PageSize::K4 => 4,
            PageSize::K16 => 16,
            PageSize::K64 => 64,
        }
    }
}

/// What the running kernel and CPU can boot, as `kexec_image.c` checks it.
#[derive(Clone, Copy, Debug)]
pub struct CpuFeatures {
    /// The running kernel is big-endian.
    pub kernel_big_endian: bool,
    /// The CPU can run a kernel of the other endianness.
    pub mixed_endian: bool,
    /// The CPU implements the 4K translation granule.
    pub granule_4k: bool,
    /// The CPU implements the 16K translation granule.
    pub granule_16k: bool,
    /// The CPU implements the 64K translation granule.
    pub granule_64k: bool,
}

/// The header of a decompressed arm64 `Image` that is consistent with the zboot header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arm64Image {
    text_offset: usize,
    image_size: usize,
    flags: u64,
}

impl Arm64Image {
    /// Checks the decompressed `image` against the size the zboot trailer declared and against
    /// its own header: it must be exactly `declared` bytes, carry the arm64 magic, and its
    /// `image_size` must cover it without going over [`MAX_IMAGE_SIZE`].
    pub fn parse(image: &[u8], declared: usize) -> Result<Self, Refusal> {
        if image.len() != declared {
            return Err(Refusal::OutputShort {
                declared,
                actual: image.len(),
            });
        }
        let header = image
            .get(..IMAGE_HEADER_LEN)
            .ok_or(Refusal::ImageTooShort { len: image.len() })?;
        if header.get(IMAGE_MAGIC_FIELD..IMAGE_MAGIC_FIELD + IMAGE_MAGIC.len()) != Some(IMAGE_MAGIC)
        {
            return Err(Refusal::NotArm64Image);
        }
        let text_offset = le64(header, IMAGE_TEXT_OFFSET_FIELD).unwrap_or(0);
        let image_size = le64(header, IMAGE_SIZE_FIELD).unwrap_or(0);
        let flags = le64(header, IMAGE_FLAGS_FIELD).unwrap_or(0);
        if image_size == 0 {
            return Err(Refusal::ZeroImageSize);
        }
        let too_large = Refusal::ImageSizeTooLarge {
            image_size,
            text_offset,
        };
        let memsz = image_size.checked_add(text_offset).ok_or(too_large)?;
        if memsz > MAX_IMAGE_SIZE as u64 {
            return Err(too_large);
        }
        if image_size < image.len() as u64 {
            return Err(Refusal::ImageSizeTooSmall {
                image_size,
                len: image.len(),
            });
        }
        // Both fit in `usize`: their sum is at most MAX_IMAGE_SIZE.
        Ok(Self {
            text_offset: text_offset as usize,
            image_size: image_size as usize,
            flags,
        })
    }

    /// `text_offset`: where the image goes relative to a 2 MiB aligned base.
    pub fn text_offset(&self) -> usize {
        self.text_offset
    }

    /// `image_size`: bytes the image occupies in memory, BSS included.
    pub fn image_size(&self) -> usize {
        self.image_size
    }

    /// Bytes to reserve from the 2 MiB aligned base: `text_offset + image_size`.
    pub fn memsz(&self) -> usize {
        // Cannot overflow: checked in `parse`.
        self.text_offset + self.image_size
    }

    /// The image's byte order.
    pub fn endianness(&self) -> Endianness {
        if self.flags & IMAGE_FLAG_BE != 0 {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }

    /// The page size the image was built for.
    pub fn page_size(&self) -> PageSize {
        match (self.flags >> IMAGE_FLAG_PAGE_SIZE_SHIFT) & IMAGE_FLAG_PAGE_SIZE_MASK {
            1 => PageSize::K4,
            2 => PageSize::K16,
            3 => PageSize::K64,
            _ => PageSize::Unspecified,
        }
    }

    /// Checks that `cpu` can run this image: same endianness as the running kernel unless the
    /// CPU supports mixed endianness, and a page size the CPU implements.
    pub fn check_cpu(&self, cpu: &CpuFeatures) -> Result<(), Refusal> {
        let image_big_endian = self.endianness() == Endianness::Big;
        if image_big_endian != cpu.kernel_big_endian && !cpu.mixed_endian {
            return Err(Refusal::EndiannessUnsupported { image_big_endian });
        }
        let page_size = self.page_size();
        let supported = match page_size {
            PageSize::Unspecified => true,
            PageSize::K4 => cpu.granule_4k,
            PageSize::K16 => cpu.granule_16k,
            PageSize::K64 => cpu.granule_64k,
        };
        if !supported {
            return Err(Refusal::PageSizeUnsupported {
                kib: page_size.kib(),
            });
        }
        Ok(())
    }
}
