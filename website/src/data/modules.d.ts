// Editor support for the result files the wsref-data plugin (plugins/wsref-data.ts) provides:
// each is the parsed JSON file, or null when the file does not exist.

declare module '@wsref/data/performance-results' {
  const results: unknown;
  export default results;
}

declare module '@wsref/data/autobahn-summary' {
  const summary: unknown;
  export default summary;
}
