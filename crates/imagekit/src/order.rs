//! One sort for every list imagekit reports in order (a layer's changed paths, the audit's
//! findings): biggest first by a byte count, then by path.
//!
//! Why one: each `sort_by` on another element type is its own copy of the sort (about 4 KB in
//! the image explorer's WebAssembly). Here only the `(bytes, path, index)` keys are sorted,
//! always the same type, and the items are then moved into that order.

/// `items` ordered by `key`: the byte count descending, then the path ascending; items with
/// equal keys (a path deleted in two layers) keep their order, as a stable sort keeps it.
pub(crate) fn biggest_first<T>(items: Vec<T>, key: impl Fn(&T) -> (u64, &str)) -> Vec<T> {
    let order = {
        let mut keys: Vec<(u64, &str, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let (bytes, path) = key(item);
                (bytes, path, i)
            })
            .collect();
        sort_keys(&mut keys);
        keys.into_iter().map(|(_, _, i)| i).collect::<Vec<usize>>()
    };
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// By path alone (every byte count equal).
pub(crate) fn by_path<T>(items: Vec<T>, path: impl Fn(&T) -> &str) -> Vec<T> {
    biggest_first(items, |item| (0, path(item)))
}

/// Not generic: the one copy of the sort.
fn sort_keys(keys: &mut [(u64, &str, usize)]) {
    keys.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)).then(a.2.cmp(&b.2)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn biggest_first_then_by_path() {
        let items = vec![("b", 1, 0), ("a", 5, 1), ("c", 5, 2), ("a", 5, 3), ("d", 0, 4), ("a", 5, 5)];
        let sorted = biggest_first(items, |&(path, bytes, _)| (bytes, path));
        assert_eq!(sorted, [("a", 5, 1), ("a", 5, 3), ("a", 5, 5), ("c", 5, 2), ("b", 1, 0), ("d", 0, 4)]);
        let paths = by_path(vec!["usr/b".to_string(), "etc".into(), "usr/a".into()], |p| p.as_str());
        assert_eq!(paths, ["etc", "usr/a", "usr/b"]);
        assert!(by_path(Vec::<String>::new(), |p| p.as_str()).is_empty());
    }
}
