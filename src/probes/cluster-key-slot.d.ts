// cluster-key-slot ships no types. It is the function ioredis' Cluster routes keys by (pinned to the version
// ioredis depends on), so a canary key chosen with it goes where the client sends it.
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    function generateMulti(keys: Array<string | Buffer>): number;
  }
  export = calculateSlot;
}
