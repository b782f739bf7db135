// Redis's partial quicksort (pqsort.c), shared by SORT ... LIMIT and GEOSEARCH ... COUNT. It is
// not stable, so only a step-for-step port leaves equal items in exactly the order Redis does.

/**
 * Redis pqsort.c (as of 7.x: the NetBSD quicksort without its switch to insertion sort after a
 * pass without swaps): sorts enough of `items` that positions [left, right] hold their final values.
 */
export function partialQuicksort<T>(items: T[], compare: (a: T, b: T) => number, left: number, right: number): void {
  pqsortRange(items, compare, 0, items.length, left, right);
}

function pqsortRange<T>(items: T[], compare: (a: T, b: T) => number, start: number, count: number, left: number, right: number): void {
  const swap = (i: number, j: number) => {
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (a: number, b: number, c: number) =>
    compare(items[a]!, items[b]!) < 0
      ? compare(items[b]!, items[c]!) < 0
        ? b
        : compare(items[a]!, items[c]!) < 0
          ? c
          : a
      : compare(items[b]!, items[c]!) > 0
        ? b
        : compare(items[a]!, items[c]!) < 0
          ? a
          : c;
  const insertionSort = (a: number, n: number) => {
    for (let m = a + 1; m < a + n; m++) for (let l = m; l > a && compare(items[l - 1]!, items[l]!) > 0; l--) swap(l, l - 1);
  };
  // Whether [s, s + n) overlaps the wanted range (pqsort's pointer test, in element units).
  const overlaps = (s: number, n: number) => !((left < s && right < s) || (left >= s + n && right >= s + n));

  let a = start;
  let n = count;
  for (;;) {
    if (n < 7) {
      insertionSort(a, n);
      return;
    }
    let pm = a + Math.floor(n / 2);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(a, pm);
    let pa = a + 1;
    let pb = pa;
    let pc = a + n - 1;
    let pd = pc;
    for (;;) {
      let result: number;
      while (pb <= pc && (result = compare(items[pb]!, items[a]!)) <= 0) {
        if (result === 0) {
          swap(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (result = compare(items[pc]!, items[a]!)) >= 0) {
        if (result === 0) {
          swap(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb, pc);
      pb++;
      pc--;
    }
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    if (r > 0) vecswap(a, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    if (r > 0) vecswap(pb, pn - r, r);
    r = pb - pa;
    if (r > 1 && overlaps(a, r)) pqsortRange(items, compare, a, r, left, right);
    r = pd - pc;
    if (r > 1) {
      a = pn - r;
      n = r;
      if (overlaps(a, n)) continue;
    }
    return;
  }
}
