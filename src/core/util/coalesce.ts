/**
 * Coalesces concurrent runs of an expensive read per key, without ever answering with a stale
 * result: `fresh(key, run)` resolves with the result of a run that *started after* the call.
 *
 * At most one run per key is in flight. Callers that arrive while it runs share the one queued run
 * that starts when it ends; so N callers in a burst cost about (burst length ÷ run time) runs
 * instead of N, and every caller still sees everything that was committed before it asked.
 */
interface Flight<V> {
  running: Promise<V>;
  queued: Promise<V> | null;
}

const settle = (): undefined => undefined;

export class Coalescer<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  fresh(key: K, run: () => Promise<V>): Promise<V> {
    const flight = this.#flights.get(key);
    if (!flight) {
      const created: Flight<V> = { running: Promise.resolve(undefined as V), queued: null };
      this.#flights.set(key, created);
      return this.#start(key, created, run);
    }
    flight.queued ??= flight.running.then(settle, settle).then(() => this.#start(key, flight, run));
    return flight.queued;
  }

  /** Whether a run for the key is in flight or queued. */
  busy(key: K): boolean {
    return this.#flights.has(key);
  }

  /** Keys with a run in flight (for tests and diagnostics). */
  get size(): number {
    return this.#flights.size;
  }

  #start(key: K, flight: Flight<V>, run: () => Promise<V>): Promise<V> {
    // From here on, newcomers queue behind this run: it may have started before their writes.
    flight.queued = null;
    const running = Promise.resolve().then(run);
    flight.running = running;
    const finish = () => {
      if (flight.running === running && flight.queued === null) this.#flights.delete(key);
    };
    running.then(finish, finish);
    return running;
  }
}
