// Loads the gzipped JSON vectors of test/vectors/events/ (origins in the README there).
export async function loadVectors<T>(name: string): Promise<T> {
  const file = new URL(`../../vectors/events/${name}`, import.meta.url);
  return JSON.parse(new TextDecoder().decode(Bun.gunzipSync(await Bun.file(file).bytes()))) as T;
}
