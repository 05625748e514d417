// SPDX-License-Identifier: GPL-2.0

//! Unified Kernel Image (UKI) section parsing.
//!
//! A UKI is a systemd-stub PE/COFF image that carries the kernel (`.linux`: on arm64 a zboot
//! image or a raw `Image`), the initrd (`.initrd`), the command line (`.cmdline`) and metadata
//! (`.osrel`, `.uname`, `.dtb`, `.dtbauto`, `.ucode`, `.splash`, `.pcrsig`, `.pcrpkey`,
//! `.sbat`) as PE sections. A multi-profile UKI has `.profile` sections: the sections before the
//! first `.profile` are the base, each `.profile` starts a profile whose sections override the
//! base's sections of the same name.
//!
//! Pure and safe like `format.rs`: no `unsafe`, no allocation, no kernel calls, `core` only. The
//! file is hostile (this runs before the signature check), so every offset and size is checked
//! with checked arithmetic and every refusal says why in a [`UkiRefusal`].
//!
//! What systemd-stub does, and where this parser is stricter (systemd `src/boot/pe.c`:
//! `pe_locate_sections_internal()`, `pe_locate_profile_sections()`; `src/boot/util.c`:
//! `mangle_stub_cmdline()`; read at systemd commit 049e11fd4378):
//!
//! - A section's data is `min(SizeOfRawData, VirtualSize)` bytes at `PointerToRawData`; in
//!   memory it is `VirtualSize` bytes, zero-filled past the raw data. ukify writes `VirtualSize`
//!   = the data's length and pads `SizeOfRawData` up to the file alignment, so the content is the
//!   first `VirtualSize` bytes. systemd would accept a UKI section with `VirtualSize` over
//!   `SizeOfRawData` (zero-filled); no tool makes one, and this parser refuses it for the UKI
//!   sections it reads. The stub's own sections (`.text`, `.data`, ...) may legitimately be
//!   larger in memory (uninitialised data), so for them only the file range is checked.
//! - A zero-sized section counts as absent in systemd (`PE_SECTION_VECTOR_IS_SET`); so here,
//!   except for `.linux`, where an empty section is refused.
//! - For a name that appears twice, systemd takes the first ("First matching section wins");
//!   this parser refuses the file (within the base or within one profile; a profile overriding
//!   the base is the point of profiles). `.dtbauto` is the exception: a UKI carries one per
//!   board, and systemd takes the first whose compatible matches the firmware's device tree (or
//!   the `.hwids` match); choosing one is the loader's business, not this parser's.
//! - Profiles: the base is every section before the first `.profile`; profile N is the N-th
//!   `.profile` section and the sections after it up to the next `.profile`. The stub looks each
//!   name up in the selected profile, then in the base for what the profile lacks (`stub.c`,
//!   not re-read for this: from memory of its use of `pe_locate_profile_sections()`).
//! - systemd's `verify_dos()` wants the PE header offset at or after the 64-byte DOS header;
//!   so does this parser.
//! - The command line: the stub converts `.cmdline` up to its first NUL (or its size) and
//!   `mangle_stub_cmdline()` drops leading and trailing whitespace (every byte <= 0x20, and 0x7f)
//!   and turns inner control characters into spaces. Here leading and trailing whitespace and
//!   NULs are trimmed and a NUL left inside is refused (systemd would silently cut the command
//!   line there), as is a command line longer than arm64's `COMMAND_LINE_SIZE`. Inner control
//!   characters are left as they are (the kernel's `next_arg()` takes tab, newline and CR as
//!   spaces through `isspace()`; other control bytes reach the kernel unchanged).

use core::fmt;

// The DOS/PE header fields and the bounded readers the zboot parser uses too.
use crate::format::{
    le16, le32, to_usize, MZ_MAGIC, PE_HEADER_OFFSET_FIELD, PE_MACHINE_ARM64, PE_MAGIC,
};

/// The PE specification's limit on `NumberOfSections`, which systemd-stub enforces too.
pub const MAX_SECTIONS: usize = 96;

/// arm64's `COMMAND_LINE_SIZE`, terminating NUL included.
pub const COMMAND_LINE_SIZE: usize = 2048;

/// Longest command line accepted, in bytes after trimming (room left for the NUL).
pub const MAX_CMDLINE_LEN: usize = COMMAND_LINE_SIZE - 1;

/// The DOS header, which ends with the PE header offset.
const DOS_HEADER_LEN: usize = 0x40;
const COFF_HEADER_LEN: usize = 20;
const PE32_PLUS_MAGIC: u16 = 0x20b;
/// PE32+ optional header: `SizeOfHeaders`, `NumberOfRvaAndSizes`, the data directories.
const OPT_SIZE_OF_HEADERS: usize = 60;
const OPT_NUMBER_OF_RVA_AND_SIZES: usize = 108;
const OPT_DATA_DIRECTORIES: usize = 112;
const DATA_DIRECTORY_LEN: usize = 8;
const CERTIFICATE_TABLE_DIRECTORY: usize = 4;
const SECTION_HEADER_LEN: usize = 40;
const SECTION_NAME_LEN: usize = 8;

/// A UKI section this parser knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// `.linux`: the kernel.
    Linux,
    /// `.initrd`.
    Initrd,
    /// `.cmdline`.
    Cmdline,
    /// `.osrel`: the os-release file.
    Osrel,
    /// `.uname`: the kernel's release string.
    Uname,
    /// `.dtb`: a device tree.
    Dtb,
    /// `.dtbauto`: a device tree chosen by its compatible (may appear several times).
    Dtbauto,
    /// `.ucode`: a microcode initrd.
    Ucode,
    /// `.splash`: a boot splash image.
    Splash,
    /// `.pcrsig`: the signed expected PCR values.
    Pcrsig,
    /// `.pcrpkey`: the public key of `.pcrsig`.
    Pcrpkey,
    /// `.sbat`: SBAT metadata.
    Sbat,
    /// `.profile`: starts a profile.
    Profile,
}

impl Section {
    const ALL: [Section; 13] = [
        Section::Linux,
        Section::Initrd,
        Section::Cmdline,
        Section::Osrel,
        Section::Uname,
        Section::Dtb,
        Section::Dtbauto,
        Section::Ucode,
        Section::Splash,
        Section::Pcrsig,
        Section::Pcrpkey,
        Section::Sbat,
        Section::Profile,
    ];

    /// The section's name in the section table.
    pub fn name(self) -> &'static str {
        match self {
            Section::Linux => ".linux",
            Section::Initrd => ".initrd",
            Section::Cmdline => ".cmdline",
            Section::Osrel => ".osrel",
            Section::Uname => ".uname",
            Section::Dtb => ".dtb",
            Section::Dtbauto => ".dtbauto",
            Section::Ucode => ".ucode",
            Section::Splash => ".splash",
            Section::Pcrsig => ".pcrsig",
            Section::Pcrpkey => ".pcrpkey",
            Section::Sbat => ".sbat",
            Section::Profile => ".profile",
        }
    }

    /// The known section with this 8-byte, NUL-padded table name. A long name (`/nnn`, an
    /// offset into the string table) never matches.
    pub fn from_table_name(name: &[u8; SECTION_NAME_LEN]) -> Option<Section> {
        let len = name
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(SECTION_NAME_LEN);
        let text = name.get(..len)?;
        if name.get(len..)?.iter().any(|&byte| byte != 0) {
            return None;
        }
        Section::ALL
            .into_iter()
            .find(|section| section.name().as_bytes() == text)
    }

    /// Whether a UKI may carry this section more than once in the base or in one profile.
    fn may_repeat(self) -> bool {
        self == Section::Dtbauto
    }
}

/// Why a file is not accepted as a UKI. Each variant prints as one log line naming the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UkiRefusal {
    /// No `MZ` magic, or the file ends before the PE header offset at 0x3c.
    NotPe,
    /// The PE header offset at 0x3c points inside the DOS header or outside the file.
    PeHeaderOutOfBounds {
        /// The offset read at 0x3c.
        offset: u32,
    },
    /// No `PE\0\0` where 0x3c points.
    NoPeSignature {
        /// The offset read at 0x3c.
        offset: u32,
    },
    /// The COFF header ends past the end of the file.
    CoffHeaderTruncated,
    /// The COFF header names another machine than arm64.
    WrongMachine {
        /// The COFF machine type.
        machine: u16,
    },
    /// The optional header ends past the end of the file or is too small for a PE32+ header
    /// with the data directories it declares.
    OptionalHeaderOutOfBounds {
        /// `SizeOfOptionalHeader`.
        size: u16,
    },
    /// The optional header is not PE32+.
    NotPe32Plus {
        /// The optional header's magic.
        magic: u16,
    },
    /// `NumberOfSections` is 0 or over [`MAX_SECTIONS`].
    SectionCount {
        /// `NumberOfSections`.
        count: u16,
    },
    /// `SizeOfHeaders` is past the end of the file.
    HeadersOutOfBounds {
        /// `SizeOfHeaders`.
        size_of_headers: u32,
    },
    /// The section table ends past `SizeOfHeaders` (and so maybe past the file).
    SectionTableOutOfBounds {
        /// Where the table ends.
        end: usize,
        /// `SizeOfHeaders`.
        size_of_headers: u32,
    },
    /// A section's raw data ends past the end of the file.
    SectionOutOfBounds {
        /// Index of the section in the table.
        index: usize,
    },
    /// A section's raw data starts inside the headers.
    SectionOverlapsHeaders {
        /// Index of the section in the table.
        index: usize,
    },
    /// Two sections' raw data overlap.
    SectionsOverlap {
        /// Index of the first section.
        first: usize,
        /// Index of the second section.
        second: usize,
    },
    /// A UKI section's `VirtualSize` is over its `SizeOfRawData`.
    VirtualSizeOverRawSize {
        /// The section.
        section: Section,
        /// `VirtualSize`.
        virtual_size: u32,
        /// `SizeOfRawData`.
        raw_size: u32,
    },
    /// The certificate table lies (partly) outside the file or overlaps the headers.
    CertTableOutOfBounds {
        /// Its file offset.
        offset: u32,
        /// Its size.
        size: u32,
    },
    /// The certificate table overlaps a section's raw data.
    CertTableOverlapsSection {
        /// Index of the section in the table.
        index: usize,
    },
    /// A section appears twice in the base or in one profile.
    DuplicateSection {
        /// The section.
        section: Section,
        /// `None` for the base, else the profile's number.
        profile: Option<usize>,
    },
    /// No `.linux` section: a PE file, but not a UKI.
    NoLinux,
    /// The `.linux` section is empty.
    EmptyLinux,
    /// The `.linux` section is itself a UKI.
    NestedUki,
    /// The command line has a NUL inside.
    CmdlineNul,
    /// The command line is longer than [`MAX_CMDLINE_LEN`].
    CmdlineTooLong {
        /// Its length after trimming.
        len: usize,
    },
    /// The requested profile does not exist.
    NoSuchProfile {
        /// The profile asked for.
        requested: usize,
        /// How many the UKI has.
        count: usize,
    },
}

impl fmt::Display for UkiRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            UkiRefusal::NotPe => write!(f, "not a PE file (no MZ magic or truncated DOS header)"),
            UkiRefusal::PeHeaderOutOfBounds { offset } => {
                write!(
                    f,
                    "PE header offset {offset:#x} is inside the DOS header or outside the file"
                )
            }
            UkiRefusal::NoPeSignature { offset } => {
                write!(f, "no PE signature at offset {offset:#x}")
            }
            UkiRefusal::CoffHeaderTruncated => write!(f, "COFF header truncated"),
            UkiRefusal::WrongMachine { machine } => write!(
                f,
                "UKI is for PE machine {machine:#06x}, not arm64 ({PE_MACHINE_ARM64:#06x})"
            ),
            UkiRefusal::OptionalHeaderOutOfBounds { size } => write!(
                f,
                "optional header ({size} bytes) is truncated or too small for PE32+"
            ),
            UkiRefusal::NotPe32Plus { magic } => {
                write!(f, "optional header magic {magic:#x} is not PE32+ (0x20b)")
            }
            UkiRefusal::SectionCount { count } => {
                write!(f, "{count} sections: a UKI has 1 to {MAX_SECTIONS}")
            }
            UkiRefusal::HeadersOutOfBounds { size_of_headers } => write!(
                f,
                "SizeOfHeaders {size_of_headers:#x} is past the end of the file"
            ),
            UkiRefusal::SectionTableOutOfBounds {
                end,
                size_of_headers,
            } => write!(
                f,
                "section table ends at {end:#x}, past SizeOfHeaders {size_of_headers:#x}"
            ),
            UkiRefusal::SectionOutOfBounds { index } => {
                write!(f, "section {index} ends past the end of the file")
            }
            UkiRefusal::SectionOverlapsHeaders { index } => {
                write!(f, "section {index} overlaps the headers")
            }
            UkiRefusal::SectionsOverlap { first, second } => {
                write!(f, "sections {first} and {second} overlap")
            }
            UkiRefusal::VirtualSizeOverRawSize {
                section,
                virtual_size,
                raw_size,
            } => write!(
                f,
                "{} VirtualSize {virtual_size:#x} is over its SizeOfRawData {raw_size:#x}",
                section.name()
            ),
            UkiRefusal::CertTableOutOfBounds { offset, size } => write!(
                f,
                "certificate table (offset {offset:#x}, size {size:#x}) is outside the file \
                 or overlaps the headers"
            ),
            UkiRefusal::CertTableOverlapsSection { index } => {
                write!(f, "certificate table overlaps section {index}")
            }
            UkiRefusal::DuplicateSection {
                section,
                profile: None,
            } => write!(f, "duplicate {} section in the base", section.name()),
            UkiRefusal::DuplicateSection {
                section,
                profile: Some(profile),
            } => write!(
                f,
                "duplicate {} section in profile {profile}",
                section.name()
            ),
            UkiRefusal::NoLinux => write!(f, "no .linux section: not a UKI"),
            UkiRefusal::EmptyLinux => write!(f, "the .linux section is empty"),
            UkiRefusal::NestedUki => write!(f, "the .linux section is itself a UKI"),
            UkiRefusal::CmdlineNul => write!(f, "the .cmdline section has a NUL inside"),
            UkiRefusal::CmdlineTooLong { len } => write!(
                f,
                "the command line is {len} bytes, over the limit of {MAX_CMDLINE_LEN}"
            ),
            UkiRefusal::NoSuchProfile { requested, count } => {
                write!(f, "no profile {requested}: the UKI has {count}")
            }
        }
    }
}

/// Whether the half-open ranges `a` and `b` share a byte.
fn overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// One section table entry, as read.
#[derive(Clone, Copy)]
struct RawSection {
    name: [u8; SECTION_NAME_LEN],
    virtual_size: u32,
    raw_size: u32,
    raw_offset: u32,
}

impl RawSection {
    fn known(&self) -> Option<Section> {
        Section::from_table_name(&self.name)
    }

    /// The raw data's file range, `None` when it overflows.
    fn raw_range(&self) -> Option<(usize, usize)> {
        let start = to_usize(self.raw_offset);
        Some((start, start.checked_add(to_usize(self.raw_size))?))
    }
}

/// The PE headers of a file, checked; the section table is read on demand.
#[derive(Clone, Copy)]
struct Headers {
    section_table: usize,
    section_count: usize,
    size_of_headers: usize,
    /// Certificate table file range, `None` when there is none.
    cert_table: Option<(u32, u32)>,
}

impl Headers {
    fn parse(file: &[u8]) -> Result<Headers, UkiRefusal> {
        if file.get(..MZ_MAGIC.len()) != Some(MZ_MAGIC) {
            return Err(UkiRefusal::NotPe);
        }
        let pe_offset = le32(file, PE_HEADER_OFFSET_FIELD).ok_or(UkiRefusal::NotPe)?;
        let pe = to_usize(pe_offset);
        let signature_end = pe
            .checked_add(PE_MAGIC.len())
            .filter(|&end| end <= file.len() && pe >= DOS_HEADER_LEN)
            .ok_or(UkiRefusal::PeHeaderOutOfBounds { offset: pe_offset })?;
        if file.get(pe..signature_end) != Some(PE_MAGIC) {
            return Err(UkiRefusal::NoPeSignature { offset: pe_offset });
        }
        let coff = signature_end;
        let optional = coff
            .checked_add(COFF_HEADER_LEN)
            .filter(|&end| end <= file.len())
            .ok_or(UkiRefusal::CoffHeaderTruncated)?;
        let machine = le16(file, coff).ok_or(UkiRefusal::CoffHeaderTruncated)?;
        if machine != PE_MACHINE_ARM64 {
            return Err(UkiRefusal::WrongMachine { machine });
        }
        let count = le16(file, coff + 2).ok_or(UkiRefusal::CoffHeaderTruncated)?;
        let optional_size = le16(file, coff + 16).ok_or(UkiRefusal::CoffHeaderTruncated)?;
        let out_of_bounds = UkiRefusal::OptionalHeaderOutOfBounds {
            size: optional_size,
        };
        let optional_len = usize::from(optional_size);
        let section_table = optional
            .checked_add(optional_len)
            .filter(|&end| end <= file.len())
            .ok_or(out_of_bounds)?;
        let header = file.get(optional..section_table).ok_or(out_of_bounds)?;
        let magic = le16(header, 0).ok_or(out_of_bounds)?;
        if magic != PE32_PLUS_MAGIC {
            return Err(UkiRefusal::NotPe32Plus { magic });
        }
        let directories = le32(header, OPT_NUMBER_OF_RVA_AND_SIZES).ok_or(out_of_bounds)?;
        // The directories must fit the optional header as declared (at most 16 are defined).
        let directories = to_usize(directories.min(16));
        directories
            .checked_mul(DATA_DIRECTORY_LEN)
            .and_then(|len| len.checked_add(OPT_DATA_DIRECTORIES))
            .filter(|&end| end <= optional_len)
            .ok_or(out_of_bounds)?;
        let size_of_headers = le32(header, OPT_SIZE_OF_HEADERS).ok_or(out_of_bounds)?;
        let cert_table = if directories > CERTIFICATE_TABLE_DIRECTORY {
            let entry = CERTIFICATE_TABLE_DIRECTORY * DATA_DIRECTORY_LEN + OPT_DATA_DIRECTORIES;
            let offset = le32(header, entry).ok_or(out_of_bounds)?;
            let size = le32(header, entry + 4).ok_or(out_of_bounds)?;
            (size != 0).then_some((offset, size))
        } else {
            None
        };

        if count == 0 || usize::from(count) > MAX_SECTIONS {
            return Err(UkiRefusal::SectionCount { count });
        }
        let section_count = usize::from(count);
        let headers_len = to_usize(size_of_headers);
        if headers_len > file.len() {
            return Err(UkiRefusal::HeadersOutOfBounds { size_of_headers });
        }
        // At most 96 * 40 bytes past an in-file offset: cannot overflow, checked anyway.
        let table_end = section_count
            .checked_mul(SECTION_HEADER_LEN)
            .and_then(|len| len.checked_add(section_table))
            .unwrap_or(usize::MAX);
        if table_end > headers_len {
            return Err(UkiRefusal::SectionTableOutOfBounds {
                end: table_end,
                size_of_headers,
            });
        }
        Ok(Headers {
            section_table,
            section_count,
            size_of_headers: headers_len,
            cert_table,
        })
    }

    /// Section table entry `index`, `None` past the table (never, once `parse` succeeded).
    fn section(&self, file: &[u8], index: usize) -> Option<RawSection> {
        if index >= self.section_count {
            return None;
        }
        let start = index
            .checked_mul(SECTION_HEADER_LEN)?
            .checked_add(self.section_table)?;
        let entry = file.get(start..start.checked_add(SECTION_HEADER_LEN)?)?;
        let name = entry.get(..SECTION_NAME_LEN)?.try_into().ok()?;
        Some(RawSection {
            name,
            virtual_size: le32(entry, 8)?,
            raw_size: le32(entry, 16)?,
            raw_offset: le32(entry, 20)?,
        })
    }

    /// The sections, in table order.
    fn sections<'a>(&'a self, file: &'a [u8]) -> impl Iterator<Item = RawSection> + 'a {
        (0..self.section_count).map_while(move |index| self.section(file, index))
    }

    fn has_linux(&self, file: &[u8]) -> bool {
        self.sections(file)
            .any(|section| section.known() == Some(Section::Linux))
    }
}

/// Whether `file` is a UKI: a PE file for arm64 with valid headers and a `.linux` section.
///
/// A cheap probe (headers and section table only); [`Uki::parse`] does the full checks.
pub fn is_uki(file: &[u8]) -> bool {
    Headers::parse(file).is_ok_and(|headers| headers.has_linux(file))
}

/// A UKI's sections for one profile (or the base of a UKI without profiles), checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uki<'a> {
    linux: &'a [u8],
    initrd: Option<&'a [u8]>,
    cmdline: Option<&'a [u8]>,
    osrel: Option<&'a [u8]>,
    uname: Option<&'a [u8]>,
    dtb: Option<&'a [u8]>,
    ucode: Option<&'a [u8]>,
    profile_info: Option<&'a [u8]>,
    profile: Option<usize>,
    profile_count: usize,
}

/// Which sections [`Uki::parse_selected`] takes.
#[derive(Clone, Copy)]
enum Selection {
    /// The first profile if there is one, else the base.
    Default,
    /// The base alone.
    Base,
    /// This profile over the base.
    Profile(usize),
}

/// The content of a section: its first `VirtualSize` bytes.
fn content<'a>(file: &'a [u8], section: &RawSection) -> Result<&'a [u8], UkiRefusal> {
    let known = section.known();
    if section.virtual_size > section.raw_size {
        return Err(UkiRefusal::VirtualSizeOverRawSize {
            section: known.unwrap_or(Section::Linux),
            virtual_size: section.virtual_size,
            raw_size: section.raw_size,
        });
    }
    let start = to_usize(section.raw_offset);
    start
        .checked_add(to_usize(section.virtual_size))
        .and_then(|end| file.get(start..end))
        // Unreachable once the raw ranges are checked; refused rather than trusted.
        .ok_or(UkiRefusal::SectionOutOfBounds { index: 0 })
}

/// The command line as the loader passes it: trimmed like systemd-stub, no NUL inside.
fn cmdline(raw: &[u8]) -> Result<&[u8], UkiRefusal> {
    let is_space = |byte: &u8| *byte <= 0x20 || *byte == 0x7f;
    let start = raw.iter().position(|b| !is_space(b)).unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |last| last.saturating_add(1));
    let trimmed = raw.get(start..end).unwrap_or(&[]);
    if trimmed.contains(&0) {
        return Err(UkiRefusal::CmdlineNul);
    }
    if trimmed.len() > MAX_CMDLINE_LEN {
        return Err(UkiRefusal::CmdlineTooLong { len: trimmed.len() });
    }
    Ok(trimmed)
}

impl<'a> Uki<'a> {
    /// Parses a UKI, taking its first profile if it has any, else its base.
    pub fn parse(file: &'a [u8]) -> Result<Uki<'a>, UkiRefusal> {
        Self::parse_selected(file, Selection::Default)
    }

    /// Parses a UKI, taking profile `profile` (numbered from 0) over the base.
    pub fn parse_profile(file: &'a [u8], profile: usize) -> Result<Uki<'a>, UkiRefusal> {
        Self::parse_selected(file, Selection::Profile(profile))
    }

    /// Parses a UKI, taking its base sections only, whether or not it has profiles.
    pub fn parse_base(file: &'a [u8]) -> Result<Uki<'a>, UkiRefusal> {
        Self::parse_selected(file, Selection::Base)
    }

    fn parse_selected(file: &'a [u8], requested: Selection) -> Result<Uki<'a>, UkiRefusal> {
        let headers = Headers::parse(file)?;
        let headers_end = headers.size_of_headers;

        // Every section's raw data inside the file, after the headers, apart from the others.
        for (index, section) in headers.sections(file).enumerate() {
            if section.raw_size == 0 {
                continue;
            }
            let range = section
                .raw_range()
                .filter(|range| range.1 <= file.len())
                .ok_or(UkiRefusal::SectionOutOfBounds { index })?;
            if range.0 < headers_end {
                return Err(UkiRefusal::SectionOverlapsHeaders { index });
            }
            for (other_index, other) in headers.sections(file).enumerate().skip(index + 1) {
                if other.raw_size == 0 {
                    continue;
                }
                // Unbounded ranges are refused by the outer loop when it gets there.
                if let Some(other_range) = other.raw_range() {
                    if overlap(range, other_range) {
                        return Err(UkiRefusal::SectionsOverlap {
                            first: index,
                            second: other_index,
                        });
                    }
                }
            }
        }

        // The certificate table (a file offset, not an RVA) inside the file, past the headers,
        // apart from every section.
        if let Some((offset, size)) = headers.cert_table {
            let start = to_usize(offset);
            let range = start
                .checked_add(to_usize(size))
                .filter(|&end| end <= file.len() && start >= headers_end)
                .map(|end| (start, end))
                .ok_or(UkiRefusal::CertTableOutOfBounds { offset, size })?;
            for (index, section) in headers.sections(file).enumerate() {
                if let Some(section_range) = section.raw_range() {
                    if section.raw_size != 0 && overlap(range, section_range) {
                        return Err(UkiRefusal::CertTableOverlapsSection { index });
                    }
                }
            }
        }

        // Duplicates within the base and within each profile (groups are contiguous), and the
        // size of every UKI section.
        let mut group: Option<usize> = None;
        let mut profile_count = 0usize;
        for (index, section) in headers.sections(file).enumerate() {
            let Some(kind) = section.known() else {
                continue;
            };
            if kind == Section::Profile {
                group = Some(profile_count);
                profile_count = profile_count.saturating_add(1);
            }
            let data = content(file, &section)?;
            if kind == Section::Linux && data.is_empty() {
                return Err(UkiRefusal::EmptyLinux);
            }
            if kind.may_repeat() {
                continue;
            }
            let later = headers
                .sections(file)
                .skip(index.saturating_add(1))
                .filter_map(|other| other.known())
                .take_while(|&other| other != Section::Profile);
            for other in later {
                if other == kind {
                    return Err(UkiRefusal::DuplicateSection {
                        section: kind,
                        profile: group,
                    });
                }
            }
        }

        let selected = match requested {
            Selection::Default => (profile_count > 0).then_some(0),
            Selection::Base => None,
            Selection::Profile(profile) if profile < profile_count => Some(profile),
            Selection::Profile(requested) => {
                return Err(UkiRefusal::NoSuchProfile {
                    requested,
                    count: profile_count,
                })
            }
        };

        // Pick each section: the selected profile's if it has one, else the base's. Empty
        // sections count as absent, as in systemd-stub.
        let find = |wanted: Section| -> Result<Option<&'a [u8]>, UkiRefusal> {
            let mut group: Option<usize> = None;
            let mut next_profile = 0usize;
            let mut found = None;
            for section in headers.sections(file) {
                let Some(kind) = section.known() else {
                    continue;
                };
                if kind == Section::Profile {
                    group = Some(next_profile);
                    next_profile = next_profile.saturating_add(1);
                }
                if kind != wanted || !(group.is_none() || group == selected) {
                    continue;
                }
                let data = content(file, &section)?;
                if !data.is_empty() {
                    found = Some(data);
                }
            }
            Ok(found)
        };

        let linux = find(Section::Linux)?.ok_or(UkiRefusal::NoLinux)?;
        if Headers::parse(linux).is_ok_and(|inner| inner.has_linux(linux)) {
            return Err(UkiRefusal::NestedUki);
        }
        let cmdline = match find(Section::Cmdline)? {
            Some(raw) => Some(cmdline(raw)?),
            None => None,
        };
        Ok(Uki {
            linux,
            initrd: find(Section::Initrd)?,
            cmdline,
            osrel: find(Section::Osrel)?,
            uname: find(Section::Uname)?,
            dtb: find(Section::Dtb)?,
            ucode: find(Section::Ucode)?,
            profile_info: match selected {
                Some(_) => find(Section::Profile)?,
                None => None,
            },
            profile: selected,
            profile_count,
        })
    }

    /// The kernel: a zboot image or a raw arm64 `Image`, not checked here.
    pub fn linux(&self) -> &'a [u8] {
        self.linux
    }

    /// The initrd, if any.
    pub fn initrd(&self) -> Option<&'a [u8]> {
        self.initrd
    }

    /// The command line, trimmed, without NUL, at most [`MAX_CMDLINE_LEN`] bytes.
    pub fn cmdline(&self) -> Option<&'a [u8]> {
        self.cmdline
    }

    /// The os-release file, if any.
    pub fn osrel(&self) -> Option<&'a [u8]> {
        self.osrel
    }

    /// The kernel release string, if any.
    pub fn uname(&self) -> Option<&'a [u8]> {
        self.uname
    }

    /// The `.dtb` device tree, if any (`.dtbauto` sections are not selected here).
    pub fn dtb(&self) -> Option<&'a [u8]> {
        self.dtb
    }

    /// The microcode initrd, if any.
    pub fn ucode(&self) -> Option<&'a [u8]> {
        self.ucode
    }

    /// The selected profile's `.profile` section (`ID=...`, `TITLE=...`), if one is selected.
    pub fn profile_info(&self) -> Option<&'a [u8]> {
        self.profile_info
    }

    /// The selected profile's number, `None` for the base.
    pub fn profile(&self) -> Option<usize> {
        self.profile
    }

    /// How many profiles the UKI has.
    pub fn profile_count(&self) -> usize {
        self.profile_count
    }
}
