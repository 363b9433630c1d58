//! The one worker pool of the project: a fixed number of scoped threads, each taking the next item from a shared
//! counter (work goes to whichever thread is free, so one slow item does not hold back the others). Used for
//! layers within an image, cached layer results, and images within a many-image scan.
//!
//! Scoped threads let the work borrow from the caller; results come back in the items' order. One worker runs
//! the items on the calling thread, in order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Applies `f` to every item with at most `workers` threads; the results are in the items' order.
pub fn map<T: Send, R: Send>(items: Vec<T>, workers: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    map_until(items, workers, f, |_| false)
        .into_iter()
        .map(|r| r.unwrap_or_else(|| unreachable!("no item is skipped without a stop")))
        .collect()
}

/// Like [`map`], but once a result satisfies `stop` (a failure, typically) no further item is started: the items
/// never started are `None`. Items already running finish.
pub fn map_until<T: Send, R: Send>(
    items: Vec<T>,
    workers: usize,
    f: impl Fn(T) -> R + Sync,
    stop: impl Fn(&R) -> bool + Sync,
) -> Vec<Option<R>> {
    let n = items.len();
    let workers = workers.clamp(1, n.max(1));
    if workers == 1 {
        let mut out: Vec<Option<R>> = Vec::with_capacity(n);
        let mut stopped = false;
        for item in items {
            if stopped {
                out.push(None);
                continue;
            }
            let r = f(item);
            stopped = stop(&r);
            out.push(Some(r));
        }
        return out;
    }
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(n));
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while !stopped.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = slots.get(i) else { break };
                    let Some(item) = lock(slot).take() else {
                        continue;
                    };
                    let r = f(item);
                    if stop(&r) {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    lock(&done).push((i, r));
                }
            });
        }
    });
    let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
    for (i, r) in done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        out[i] = Some(r);
    }
    out
}

/// A poisoned lock (a worker panicked) still holds usable data: the panic itself propagates from the scope.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_worker_count() {
        let items: Vec<u64> = (0..100).collect();
        for workers in [0, 1, 2, 7, 500] {
            let out = map(items.clone(), workers, |x| {
                // Uneven work so threads finish out of order.
                std::thread::sleep(std::time::Duration::from_micros((x * 37) % 200));
                x * 2
            });
            assert_eq!(
                out,
                items.iter().map(|x| x * 2).collect::<Vec<_>>(),
                "{workers}"
            );
        }
        assert!(map(Vec::<u8>::new(), 4, |x| x).is_empty());
    }

    #[test]
    fn work_may_borrow_and_runs_concurrently() {
        let names = [
            "a".to_owned(),
            "b".to_owned(),
            "c".to_owned(),
            "d".to_owned(),
        ];
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = map(names.iter().collect(), 4, |s: &String| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(30));
            running.fetch_sub(1, Ordering::SeqCst);
            s.len()
        });
        assert_eq!(out, [1, 1, 1, 1]);
        assert!(peak.load(Ordering::SeqCst) > 1, "ran one at a time");
    }

    #[test]
    fn a_stop_starts_nothing_more() {
        let out = map_until((0..50).collect(), 1, |x: i32| x, |x| *x == 3);
        assert_eq!(out.iter().flatten().count(), 4);
        assert!(out[4..].iter().all(Option::is_none));
        let out = map_until((0..1000).collect(), 2, |x: i32| x, |x| *x == 0);
        // The other worker may have started one more item, no more than a handful.
        assert!(
            out.iter().flatten().count() < 10,
            "{}",
            out.iter().flatten().count()
        );
        assert_eq!(out[0], Some(0));
    }
}
