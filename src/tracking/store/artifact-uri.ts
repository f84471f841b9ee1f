/**
 * Artifact locations as MLflow's SQL store builds them (mlflow/utils/uri.append_to_uri_path):
 * an experiment's default location is `<default artifact root>/<experiment_id>`, a run's
 * `<experiment location>/<run_id>/artifacts`, joined with exactly one `/` and kept ahead of any
 * query string, so `mlflow-artifacts:/` + `1` gives `mlflow-artifacts:/1` and
 * `s3://bucket/prefix?x=1` + `1` gives `s3://bucket/prefix/1?x=1`.
 */
export function appendToUriPath(uri: string, ...parts: string[]): string {
  const cut = uri.search(/[?#]/);
  let base = cut < 0 ? uri : uri.slice(0, cut);
  const tail = cut < 0 ? '' : uri.slice(cut);
  for (const part of parts) {
    const p = part.replace(/^\/+/, '');
    if (base === '') base = p;
    else base = base.endsWith('/') ? base + p : `${base}/${p}`;
  }
  return base + tail;
}
