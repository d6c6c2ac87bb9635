//! Files of patient data readable by this account only: the home 0700,
//! the database (and its `-wal`, `-shm`), exports, backups and produced
//! documents 0600. Other local accounts of the machine see nothing.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates (or truncates) `path` with mode 0600.
pub fn creer(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    // An existing file keeps its mode through `open`: tighten it.
    restreindre(path)?;
    Ok(f)
}

/// Writes `bytes` into a new 0600 file.
pub fn ecrire(path: &Path, bytes: &[u8]) -> io::Result<()> {
    io::Write::write_all(&mut creer(path)?, bytes)
}

/// Creates the folder `path` (and its parents) and sets it 0700.
pub fn dossier(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Sets an existing file 0600 (nothing if it does not exist).
pub fn restreindre(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    match std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        r => r?,
    }
    Ok(())
}

/// The file of a `sqlite:` URL (`None` for an in-memory database).
pub(crate) fn fichier_sqlite(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.starts_with(":memory:") && !url.contains("mode=memory"))
        .then(|| Path::new(path))
}
