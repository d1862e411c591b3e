/**
 * Where this instance is in its life, as load balancers must see it: serving, or draining once asked to stop
 * (readiness then answers 503 while requests still in flight, and those a balancer still sends, are served).
 */
export class Lifecycle {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  beginDraining(): void {
    this.#draining = true;
  }
}
