// SPDX-License-Identifier: GPL-2.0

//! The loader's contract, `tests/corpus/zboot_cases.py`, against the pure parser.
//!
//! `tests/host/dump_cases.py` writes every case (derived from the synthetic Image, as for the
//! KUnit vectors) under the cargo target directory; each case's expected probe errno is checked
//! against `Zboot::parse` plus the errno mapping of `kexec_zboot.rs`, and its expected load
//! errno as far as the host can reproduce `load`: the declared-size checks, the decompressor
//! lookup, then for gzip and zstd a host decompression with the kernel's bound followed by
//! `Arm64Image::parse` and `check_cpu`. Drift between the Python expectations and the Rust
//! parser fails here, without a kernel build.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use common::*;
use zboot_format::*;

/// `zboot_cases.FLAG_LEGACY`: load gives EOPNOTSUPP when the kernel lacks legacy methods.
const FLAG_LEGACY: u32 = 1;

struct Case {
    name: String,
    probe: i32,
    load: i32,
    /// Another errno `load` may give instead (0: none), for data-dependent corruption.
    alt: i32,
    flags: u32,
    image_len: usize,
    data: Vec<u8>,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Runs `dump_cases.py` unless its output is newer than it and the modules it imports (the
/// 600 MiB zstd bomb alone takes seconds to make).
fn dump_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zboot-cases");
    let repo = repo();
    let sources = [
        repo.join("tests/host/dump_cases.py"),
        repo.join("tests/corpus/zboot_cases.py"),
        repo.join("tests/corpus/decompress_streams.py"),
        repo.join("scripts/mkzboot.py"),
    ];
    let dumped = mtime(&dir.join("manifest.tsv"));
    let fresh = dumped.is_some() && sources.iter().all(|source| mtime(source) < dumped);
    if !fresh {
        let status = Command::new("python3")
            .arg(&sources[0])
            .arg(&dir)
            .status()
            .unwrap_or_else(|err| panic!("cannot run python3 {}: {err}", sources[0].display()));
        assert!(
            status.success(),
            "{} failed: {status}",
            sources[0].display()
        );
    }
    dir
}

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let dir = dump_dir();
        let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
        let mut lines = manifest.lines();
        assert_eq!(
            lines.next(),
            Some("name\tprobe\tload\tflags\timage_len\talt")
        );
        lines
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                assert_eq!(fields.len(), 6, "manifest line {line:?}");
                let number = |i: usize| -> u64 {
                    fields[i]
                        .parse()
                        .unwrap_or_else(|_| panic!("manifest line {line:?}"))
                };
                let name = fields[0].to_string();
                let data = std::fs::read(dir.join(format!("{name}.efi"))).unwrap();
                Case {
                    name,
                    probe: number(1) as i32,
                    load: number(2) as i32,
                    alt: number(5) as i32,
                    flags: number(3) as u32,
                    image_len: number(4) as usize,
                    data,
                }
            })
            .collect()
    })
}

/// What `probe` returns: 0 or a positive errno.
fn probe(file: &[u8]) -> i32 {
    match Zboot::parse(file) {
        Ok(_) => 0,
        Err(refusal) => errno(&refusal),
    }
}

/// What the host can tell of `load` for a file `probe` accepts.
#[derive(Debug, PartialEq, Eq)]
enum Load {
    /// `load` returns this (0: loads) on every kernel, and the image is this long.
    Decided(i32, Option<usize>),
    /// Decided by a decompressor the host does not have (see `load`).
    Undecided(Method),
}

/// The running CPU of the kernels the KUnit suite and the QEMU corpus run on: little-endian,
/// 4K pages (qemu's `-cpu max` has every granule; the synthetic Image asks for 4K).
const CPU: CpuFeatures = CpuFeatures {
    kernel_big_endian: false,
    mixed_endian: false,
    granule_4k: true,
    granule_16k: false,
    granule_64k: false,
};

/// `unpack()` of `kexec_zboot.rs`, step by step.
fn load(zboot: &Zboot<'_>) -> Load {
    let refused = |refusal: Refusal| Load::Decided(errno(&refusal), None);
    // The limit is min(MAX_IMAGE_SIZE, RAM / 2); the test machines have 1 GiB or more, and no
    // case declares a size between 256 MiB and 512 MiB where a smaller machine would differ.
    let size = match checked_declared_size(zboot, MAX_IMAGE_SIZE) {
        Ok(size) => size,
        Err(refusal) => return refused(refusal),
    };
    let method = match zboot.method() {
        // decompress_method_by_name() never knows these.
        None | Some(Method::Bzip2) => return refused(zboot.unsupported_method()),
        Some(method) => method,
    };
    // xzkern, lzma, lz4 and lzo: EOPNOTSUPP without CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY, and with
    // it the verdict of the kernel's own decompressor for the format, whose corner cases
    // (trailing data, truncated streams, lz4's legacy frames) a host library would not judge
    // the same way. Only the checks before decompression are reproduced for them.
    let decompressed = match decompress(method, zboot.payload(), size) {
        Some(decompressed) => decompressed,
        None => return Load::Undecided(method),
    };
    let kernel = match decompressed {
        Decompressed::Overflow => return refused(Refusal::OutputOverflow { declared: size }),
        Decompressed::Corrupt => return refused(zboot.corrupt_payload()),
        Decompressed::Data(kernel) => kernel,
    };
    let header = match Arm64Image::parse(&kernel, size) {
        Ok(header) => header,
        Err(refusal) => return refused(refusal),
    };
    match header.check_cpu(&CPU) {
        Ok(()) => Load::Decided(0, Some(kernel.len())),
        Err(refusal) => refused(refusal),
    }
}

#[test]
fn corpus_is_complete() {
    let cases = cases();
    // About 170 with every compressor installed, 118 with only gzip and zstd.
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let names: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.name.as_str(), c)).collect();
    assert_eq!(names.len(), cases.len(), "duplicate case names");
    for name in [
        "good-gzip",
        "good-zstd",
        "good-zstd-labelled-zstd22",
        "gzip-truncated-at-0x8",
        "zstd-payload-end-wraps-u32",
        "zstd-bomb-600m-declared-honestly",
        "name-unknown-brotli",
    ] {
        assert!(names.contains_key(name), "no case {name}");
    }
}

#[test]
fn probe_matches_python() {
    let mut wrong = Vec::new();
    for case in cases() {
        let got = probe(&case.data);
        if got != case.probe {
            let why = Zboot::parse(&case.data).err();
            wrong.push(format!(
                "{}: zboot_cases.py says probe {}, parser gives {got} ({why:?})",
                case.name, case.probe
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "probe disagreements:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn load_matches_python() {
    let mut wrong = Vec::new();
    let (mut decided, mut undecided) = (0, 0);
    for case in cases().iter().filter(|case| case.probe == 0) {
        let zboot = Zboot::parse(&case.data).unwrap();
        match load(&zboot) {
            Load::Decided(errno, image_len) => {
                decided += 1;
                if errno != case.load && errno != case.alt {
                    wrong.push(format!(
                        "{}: zboot_cases.py says load {}, host gives {errno}",
                        case.name, case.load
                    ));
                } else if let Some(len) = image_len {
                    if len != case.image_len {
                        wrong.push(format!(
                            "{}: image_len {} in zboot_cases.py, decompressed {len}",
                            case.name, case.image_len
                        ));
                    }
                }
                if errno == 0 && case.flags & FLAG_LEGACY != 0 {
                    wrong.push(format!("{}: FLAG_LEGACY on a non-legacy method", case.name));
                }
            }
            Load::Undecided(method) => {
                undecided += 1;
                // A legacy-method case that gets as far as the decompressor lookup gives
                // EOPNOTSUPP on a kernel without legacy methods: its expectation is only valid
                // with FLAG_LEGACY set.
                if case.flags & FLAG_LEGACY == 0 {
                    wrong.push(format!(
                        "{}: {} payload reaches the decompressor, but FLAG_LEGACY is not set",
                        case.name,
                        method.name()
                    ));
                }
            }
        }
    }
    eprintln!("load: {decided} cases decided on the host, {undecided} left to the kernel");
    assert!(
        wrong.is_empty(),
        "load disagreements:\n{}",
        wrong.join("\n")
    );
    // 63 with every compressor installed, 47 with only gzip and zstd.
    assert!(
        decided >= 40,
        "only {decided} load cases decided on the host"
    );
}

/// Every case that probe refuses carries no load expectation, and every good case a length.
#[test]
fn case_fields_are_consistent() {
    for case in cases() {
        if case.probe != 0 {
            assert_eq!(case.load, 0, "{}", case.name);
            assert_eq!(case.flags, 0, "{}", case.name);
        }
        assert_eq!(
            case.image_len != 0,
            case.probe == 0 && case.load == 0,
            "{}: image_len {}",
            case.name,
            case.image_len
        );
    }
}
