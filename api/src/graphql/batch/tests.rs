//! Tests of the per-level batching.
use super::*;
use std::sync::atomic::AtomicUsize;

/// Counts its batches; a key's value is the key doubled.
struct Doubler(Arc<AtomicUsize>);

impl Loader<i32> for Doubler {
    type Value = i32;
    type Error = ApiError;
    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, i32>, ApiError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        // A batch that takes a while, as a statement does.
        tokio::task::yield_now().await;
        Ok(keys.iter().filter(|&&k| k != 0).map(|&k| (k, k * 2)).collect())
    }
}

/// Pending once, waking itself at once: work between two loads that
/// yields (I/O that is ready, say).
struct Yield(bool);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Two levels of 100 items, each item doing its own work between its
/// loads (yields): one batch per level, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_per_level_whatever_the_timing() {
    for _ in 0..20 {
        let batches = Arc::new(AtomicUsize::new(0));
        let wave = Wave::new();
        let l = Arc::new(RequestLoader::new(Doubler(batches.clone()), Mode::Wave(Arc::downgrade(&wave)), false));
        let items = (1..=100).map(|i| {
            let l = l.clone();
            async move {
                let a = l.load_one(i).await?.unwrap_or_default();
                for _ in 0..(i % 7) {
                    Yield(false).await;
                }
                let b = l.load_one(a + 1000).await?.unwrap_or_default();
                Ok::<_, ApiError>(b)
            }
        });
        let out = wave.drive(futures_util::future::try_join_all(items)).await;
        let out = out.unwrap_or_default();
        assert_eq!(out.len(), 100);
        assert_eq!(out[9], (10 * 2 + 1000) * 2);
        assert_eq!(batches.load(Ordering::SeqCst), 2);
    }
}

/// A level larger than [`MAX_BATCH`] keys is loaded in chunks, each
/// key once.
#[tokio::test]
async fn a_large_level_loads_in_chunks() {
    let batches = Arc::new(AtomicUsize::new(0));
    let wave = Wave::new();
    let l = RequestLoader::new(Doubler(batches.clone()), Mode::Wave(Arc::downgrade(&wave)), false);
    let out = wave.drive(l.load_many(1..=2500)).await;
    assert_eq!(out.ok().map(|m| (m.len(), m.get(&2500).copied())), Some((2500, Some(5000))));
    assert_eq!(batches.load(Ordering::SeqCst), 3);
}

/// A connection's loader (window mode) keeps no primed value.
#[tokio::test]
async fn a_connection_loader_is_not_primed() {
    let batches = Arc::new(AtomicUsize::new(0));
    let l = RequestLoader::new(Doubler(batches.clone()), Mode::Window(Duration::from_millis(1)), false);
    assert!(l.prime(7, Some(99)).is_ok());
    assert_eq!(l.load_one(7).await.ok().flatten(), Some(14));
    assert_eq!(batches.load(Ordering::SeqCst), 1);
}

/// A primed key costs no batch, even where rows are not kept.
#[tokio::test]
async fn a_primed_key_costs_no_batch() {
    let batches = Arc::new(AtomicUsize::new(0));
    let wave = Wave::new();
    let l = RequestLoader::new(Doubler(batches.clone()), Mode::Wave(Arc::downgrade(&wave)), false);
    let out = wave
        .drive(async {
            l.prime(7, Some(99))?;
            Ok::<_, ApiError>((l.load_one(7).await?, l.load_one(8).await?))
        })
        .await;
    assert_eq!(out.ok(), Some((Some(99), Some(16))));
    assert_eq!(batches.load(Ordering::SeqCst), 1);
}

/// A cached row is not asked for again; a key without a row is
/// remembered as absent.
#[tokio::test]
async fn cached_rows_cost_no_batch() {
    let batches = Arc::new(AtomicUsize::new(0));
    let wave = Wave::new();
    let l = RequestLoader::new(Doubler(batches.clone()), Mode::Wave(Arc::downgrade(&wave)), true);
    let out = wave
        .drive(async {
            let first = l.load_many([1, 2, 0]).await?;
            let again = l.load_many([2, 0]).await?;
            Ok::<_, ApiError>((first, again))
        })
        .await;
    let Ok((first, again)) = out else { return assert!(out.is_ok()) };
    assert_eq!((first.len(), again.get(&2)), (2, Some(&4)));
    assert!(!again.contains_key(&0));
    assert_eq!(batches.load(Ordering::SeqCst), 1);
}

/// Without a live wave, a batch starts at once rather than never.
#[tokio::test]
async fn a_loader_without_a_wave_still_loads() {
    let batches = Arc::new(AtomicUsize::new(0));
    let l = RequestLoader::new(Doubler(batches), Mode::Wave(Weak::new()), false);
    assert_eq!(l.load_one(21).await.ok().flatten(), Some(42));
}
