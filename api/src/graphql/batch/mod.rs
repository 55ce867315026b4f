//! Batching of a request's loaders by level ("waves"), not by a time window.
//!
//! async-graphql's `DataLoader` collects keys for a fixed delay and then
//! runs one statement. Under load that window does not hold: the request's
//! task is not polled again within the delay (another request has the
//! core), a batch fires with the keys of half a level, and the rest follow
//! in a second statement. The issue measured a 50-project dashboard at
//! 15–19 statements alone and 53–55 with 32 clients.
//!
//! Here a request is driven by [`Driven`], which polls the GraphQL
//! execution and the loader batches of that request itself:
//!
//! 1. Poll the execution until it can go no further. Every resolver of a
//!    level runs in that one poll (async-graphql resolves sibling fields and
//!    list items concurrently in one future), and each queues its keys.
//! 2. Only when the execution is blocked (pending, and not woken during its
//!    own poll, such as a cooperative yield) and no batch is running, start
//!    every loader's queued keys as one statement each.
//! 3. When a batch completes, hand the rows to its waiters; when every
//!    batch of the wave has, poll the execution again: the next level
//!    queues its keys, and they start as the next wave.
//!
//! So a nested query costs one statement per loader per level, fixed by its
//! shape and data, whatever the machine is doing. The price: a level waits
//! for the slowest batch of the level before (a few hundred microseconds
//! on one database), where the window cost a fixed delay per level anyway.
//! What this cannot fix: resolvers that read the database themselves (a
//! root list's page) run their statements as they come; two such root
//! fields may let their children's keys meet in one batch or not.
//!
//! Loaders outside a driven request (a WebSocket connection's, which serve
//! several operations at once) keep the time window, on tokio's timer.
//!
//! A request's loaders are meant for its own execution: a batch queued
//! from a task the request spawned starts only when the driver next runs
//! (resolvers do not spawn).

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::Loader;
use futures_channel::oneshot;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// The most keys one statement asks for: a level larger than this (the
/// query limits allow tens of thousands of items) is loaded in several
/// statements, each well under SQLite's 32,766 bind parameters. The same
/// bound async-graphql's loader had.
const MAX_BATCH: usize = 1000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind
    // (keys, waiters); carrying on is safe.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The batches a request has queued and not yet started.
#[derive(Default)]
pub struct Wave {
    queued: Mutex<Vec<Job>>,
}

impl Wave {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Run `fut` (a request's execution) with this wave's batches.
    ///
    /// Unconstrained by tokio's cooperative budget: a resource that runs
    /// out of budget yields with a wake deferred until after the poll,
    /// which would look like a blocked execution and start a batch with
    /// half a level's keys. A request's work per poll is bounded by the
    /// query limits (depth, complexity) anyway.
    pub fn drive<F: Future>(self: Arc<Self>, fut: F) -> tokio::task::coop::Unconstrained<Driven<F>> {
        tokio::task::coop::unconstrained(Driven { wave: self, inner: Box::pin(fut), running: FuturesUnordered::new() })
    }

    fn take(&self) -> Vec<Job> {
        std::mem::take(&mut *lock(&self.queued))
    }
}

/// A request's execution together with its loader batches; see the module
/// documentation.
pub struct Driven<F: Future> {
    wave: Arc<Wave>,
    inner: Pin<Box<F>>,
    running: FuturesUnordered<BoxFuture<'static, ()>>,
}

/// The waker the execution is polled with: it records that the execution
/// woke itself (a cooperative yield, or I/O completing meanwhile), in which
/// case it is not blocked on its loaders and no batch starts yet.
struct Flag {
    woken: AtomicBool,
    outer: Waker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.outer.wake_by_ref();
    }
}

impl<F: Future> Future for Driven<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        loop {
            // Completed batches hand their rows to their waiters.
            while let Poll::Ready(Some(())) = this.running.poll_next_unpin(cx) {}
            // The execution goes on once every batch of the wave is in, not
            // after each: a poll walks every resolver still pending (each
            // object's joined fields are polled whole), and one per batch
            // cost a dashboard seven walks of its 50 projects where one
            // does. Nothing a batch does waits for the execution, so this
            // only defers what the execution would do meanwhile (a root
            // resolver's own statement completing) to the end of the wave.
            if !this.running.is_empty() {
                return Poll::Pending;
            }
            let flag = Arc::new(Flag { woken: AtomicBool::new(false), outer: cx.waker().clone() });
            let waker = Waker::from(flag.clone());
            if let Poll::Ready(out) = this.inner.as_mut().poll(&mut Context::from_waker(&waker)) {
                return Poll::Ready(out);
            }
            if flag.woken.load(Ordering::Acquire) {
                return Poll::Pending;
            }
            let jobs = this.wave.take();
            if jobs.is_empty() {
                return Poll::Pending;
            }
            this.running.extend(jobs.into_iter().map(|job| job()));
        }
    }
}

/// When a loader's queued keys start.
#[derive(Clone)]
pub enum Mode {
    /// When the driven request is blocked (see the module documentation).
    /// Weak, so that a request that ends with batches unstarted frees them;
    /// with no wave alive a batch starts at once.
    Wave(Weak<Wave>),
    /// After a delay from the first key (WebSocket connections).
    Window(Duration),
}

/// A request's loader of `T` (any async-graphql [`Loader`]): keys asked
/// for are batched per level (or window) into one `load` each.
pub struct RequestLoader<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    loader: T,
    mode: Mode,
    /// Keep rows for the rest of the request (queries only).
    cache: bool,
    /// One [`Keyed`] per key type `T` loads by.
    keyed: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

type Reply<K, V> = Result<Arc<HashMap<K, V>>, ApiError>;

struct Keyed<K, V> {
    queued: HashSet<K>,
    waiters: Vec<oneshot::Sender<Reply<K, V>>>,
    /// Rows loaded, and keys known to have none.
    cache: HashMap<K, Option<V>>,
}

impl<K: Hash + Eq, V> Keyed<K, V> {
    /// Queue `keys` for the next batch and a waiter for its reply; whether
    /// this opened the batch (and must schedule it).
    fn wait_for(&mut self, keys: impl Iterator<Item = K>) -> (oneshot::Receiver<Reply<K, V>>, bool) {
        let start = self.queued.is_empty();
        self.queued.extend(keys);
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        (rx, start)
    }
}

impl<K, V> Default for Keyed<K, V> {
    fn default() -> Self {
        Self { queued: HashSet::new(), waiters: Vec::new(), cache: HashMap::new() }
    }
}

fn keyed_of<K, V>(map: &mut HashMap<TypeId, Box<dyn Any + Send>>) -> Result<&mut Keyed<K, V>, ApiError>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    map.entry(TypeId::of::<K>())
        .or_insert_with(|| Box::new(Keyed::<K, V>::default()))
        .downcast_mut::<Keyed<K, V>>()
        .ok_or_else(|| ApiError::internal("loader keyed twice"))
}

impl<T: Send + Sync + 'static> RequestLoader<T> {
    pub fn new(loader: T, mode: Mode, cache: bool) -> Self {
        Self { shared: Arc::new(Shared { loader, mode, cache, keyed: Mutex::new(HashMap::new()) }) }
    }

    /// The loader itself (how it reads, for a statement that reads the same
    /// rows another way).
    pub fn loader(&self) -> &T {
        &self.shared.loader
    }

    /// The value of one key, if it has one. The common case (a relation
    /// of each listed item), so it skips the maps of [`Self::load_many`].
    pub async fn load_one<K>(&self, key: K) -> Result<Option<T::Value>, ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        let (rx, start) = {
            let mut map = lock(&self.shared.keyed);
            let keyed = keyed_of::<K, T::Value>(&mut map)?;
            if let Some(known) = keyed.cache.get(&key) {
                return Ok(known.clone());
            }
            keyed.wait_for(std::iter::once(key.clone()))
        };
        let batch = self.reply(rx, start).await?;
        Ok(batch.get(&key).cloned())
    }

    /// The values of the keys that have one.
    pub async fn load_many<K, I>(&self, keys: I) -> Result<HashMap<K, T::Value>, ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        I: IntoIterator<Item = K>,
        T: Loader<K, Error = ApiError>,
    {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        let (rx, start) = {
            let mut map = lock(&self.shared.keyed);
            let keyed = keyed_of::<K, T::Value>(&mut map)?;
            for k in keys {
                match keyed.cache.get(&k) {
                    Some(Some(v)) => {
                        out.insert(k, v.clone());
                    }
                    Some(None) => {}
                    None => missing.push(k),
                }
            }
            if missing.is_empty() {
                return Ok(out);
            }
            keyed.wait_for(missing.iter().cloned())
        };
        let batch = self.reply(rx, start).await?;
        for k in missing {
            if let Some(v) = batch.get(&k) {
                out.insert(k, v.clone());
            }
        }
        Ok(out)
    }

    /// Record what this request itself has just written for `key` (a
    /// mutation's row, for its payload): later loads of the key in the
    /// request get it without a statement. Kept even where loaded rows are
    /// not (mutations): it is the request's own write, not an earlier read
    /// that may have gone stale.
    pub fn prime<K>(&self, key: K, value: Option<T::Value>) -> Result<(), ApiError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        // A connection's loaders (WebSocket) live across operations: a
        // primed value would outlive the write it came from.
        if matches!(self.shared.mode, Mode::Window(_)) {
            return Ok(());
        }
        let mut map = lock(&self.shared.keyed);
        keyed_of::<K, T::Value>(&mut map)?.cache.insert(key, value);
        Ok(())
    }

    /// The batch a waiter queued in: scheduled by the waiter that opened
    /// it (`start`).
    async fn reply<K>(&self, rx: oneshot::Receiver<Reply<K, T::Value>>, start: bool) -> Reply<K, T::Value>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        if start {
            self.schedule::<K>();
        }
        rx.await.map_err(|_| ApiError::internal("a loader batch was dropped"))?
    }

    fn schedule<K>(&self)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        let shared = self.shared.clone();
        let job: Job = Box::new(move || Box::pin(shared.run::<K>()));
        match &self.shared.mode {
            Mode::Wave(wave) => match wave.upgrade() {
                Some(wave) => lock(&wave.queued).push(job),
                None => {
                    tokio::spawn(job());
                }
            },
            Mode::Window(delay) => {
                let delay = *delay;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    job().await;
                });
            }
        }
    }
}

impl<T: Send + Sync + 'static> Shared<T> {
    /// One batch: every key queued so far, in one `load`, handed to every
    /// waiter queued so far.
    async fn run<K>(self: Arc<Self>)
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        T: Loader<K, Error = ApiError>,
    {
        let taken = {
            let mut map = lock(&self.keyed);
            keyed_of::<K, T::Value>(&mut map).map(|keyed| {
                // Keys a batch that completed meanwhile has loaded are not
                // asked again.
                let mut known = HashMap::new();
                let mut keys = Vec::new();
                for k in keyed.queued.drain() {
                    match keyed.cache.get(&k) {
                        Some(Some(v)) => {
                            known.insert(k, v.clone());
                        }
                        Some(None) => {}
                        None => keys.push(k),
                    }
                }
                (keys, known, std::mem::take(&mut keyed.waiters))
            })
        };
        let Ok((keys, mut rows, waiters)) = taken else { return };
        let mut loaded = Ok(HashMap::new());
        for chunk in keys.chunks(MAX_BATCH) {
            match self.loader.load(chunk).await {
                Ok(found) => {
                    if let Ok(all) = &mut loaded {
                        all.extend(found);
                    }
                }
                Err(e) => {
                    loaded = Err(e);
                    break;
                }
            }
        }
        let reply = match loaded {
            Ok(found) => {
                if self.cache {
                    let mut map = lock(&self.keyed);
                    if let Ok(keyed) = keyed_of::<K, T::Value>(&mut map) {
                        for k in keys {
                            let v = found.get(&k).cloned();
                            keyed.cache.insert(k, v);
                        }
                    }
                }
                rows.extend(found);
                Ok(Arc::new(rows))
            }
            Err(e) => Err(e),
        };
        for w in waiters {
            // A waiter that went away (its request ended) needs nothing.
            let _ = w.send(reply.clone());
        }
    }
}

#[cfg(test)]
mod tests;
