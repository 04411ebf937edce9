//! Workspace folders: each has its own project session, built in the background, so documents
//! are linted with the facts of the other files of their folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use nodepit_workspace::{Session, Workspace};

/// A workspace folder and its project.
pub struct Folder {
    /// The project session.
    pub session: Session,
    /// Whether the first load finished: until then documents are linted alone.
    ready: AtomicBool,
    load: Mutex<LoadState>,
    /// Counts requests to re-lint the folder's open documents; a debounced re-lint runs only
    /// when no newer request came meanwhile.
    pub relint: AtomicU64,
}

/// Loads never overlap: a request during a load makes it run once more afterwards. Files that
/// change during a load are read again after it, so the load cannot overwrite their change.
#[derive(Default)]
struct LoadState {
    running: bool,
    again: bool,
    pending: Vec<PathBuf>,
}

/// What a loader does after a load.
pub enum AfterLoad {
    /// Load again: another load was asked for meanwhile.
    Again,
    /// Done; read these files again (they changed during the load).
    Done(Vec<PathBuf>),
}

impl Folder {
    fn new(root: &Path, workspace: Arc<Workspace>) -> Self {
        Self {
            session: Session::new(root, workspace),
            ready: AtomicBool::new(false),
            load: Mutex::new(LoadState::default()),
            relint: AtomicU64::new(0),
        }
    }

    /// Whether documents of this folder are linted with the project.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Claims the loader: `true` when the caller should load now, `false` when a load is
    /// running (it will run once more when it ends).
    pub fn begin_load(&self) -> bool {
        let mut state = self.load.lock().unwrap_or_else(PoisonError::into_inner);
        if state.running {
            state.again = true;
            return false;
        }
        state.running = true;
        true
    }

    /// Ends a load (`loaded`: it succeeded, and the folder is ready from now on), unless
    /// another was asked for meanwhile.
    pub fn end_load(&self, loaded: bool) -> AfterLoad {
        let mut state = self.load.lock().unwrap_or_else(PoisonError::into_inner);
        if state.again {
            state.again = false;
            return AfterLoad::Again;
        }
        state.running = false;
        if !loaded {
            return AfterLoad::Done(Vec::new());
        }
        self.ready.store(true, Ordering::Release);
        AfterLoad::Done(std::mem::take(&mut state.pending))
    }

    /// The files to read again now, or `None` when a load is running or the folder is not
    /// ready (they are read after the load then).
    pub fn defer_changes(&self, paths: Vec<PathBuf>) -> Option<Vec<PathBuf>> {
        let mut state = self.load.lock().unwrap_or_else(PoisonError::into_inner);
        if state.running || !self.is_ready() {
            state.pending.extend(paths);
            return None;
        }
        Some(paths)
    }
}

/// The workspace folders.
#[derive(Default)]
pub struct Folders {
    list: RwLock<Vec<Arc<Folder>>>,
}

impl Folders {
    /// Adds a folder (not twice); returns it when it is new.
    pub fn add(&self, root: &Path, workspace: Arc<Workspace>) -> Option<Arc<Folder>> {
        let root = nodepit_workspace::absolute_path(root);
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        if list.iter().any(|f| f.session.root() == root) {
            return None;
        }
        let folder = Arc::new(Folder::new(&root, workspace));
        list.push(folder.clone());
        Some(folder)
    }

    /// Removes a folder.
    pub fn remove(&self, root: &Path) {
        let root = nodepit_workspace::absolute_path(root);
        self.list
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|f| f.session.root() != root);
    }

    /// Every folder.
    pub fn all(&self) -> Vec<Arc<Folder>> {
        self.list
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The folder a file belongs to: the innermost one containing it.
    pub fn for_path(&self, path: &Path) -> Option<Arc<Folder>> {
        let path: PathBuf = nodepit_workspace::absolute_path(path);
        self.list
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|f| path.starts_with(f.session.root()))
            .max_by_key(|f| f.session.root().components().count())
            .cloned()
    }
}
