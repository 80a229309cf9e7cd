/**
 * A value computed once, on the first `get()`. The self-tests of the hand-written kernels are
 * facts about this runtime (the code the JIT or the WebAssembly engine produced here), so each
 * runs once per thread and its outcome is kept; nothing sets it from outside.
 */
export class FirstUse<T> {
  readonly #compute: () => T;
  #value: { readonly v: T } | undefined;

  constructor(compute: () => T) {
    this.#compute = compute;
  }

  get(): T {
    if (this.#value === undefined) this.#value = { v: this.#compute() };
    return this.#value.v;
  }
}
