/**
 * The one eviction rule of smonnet's small lookup caches (addresses, MACs, GeoIP answers): when a
 * cache is full it starts over. Values recur in bursts, so this keeps the hot ones at no
 * bookkeeping cost per hit.
 */
export function remember<K, V>(cache: Map<K, V>, max: number, key: K, value: V): V {
  if (cache.size >= max) cache.clear();
  cache.set(key, value);
  return value;
}
