// Axis ticks at "nice" steps: 1, 2 or 5 times a power of ten. A pure function, with no
// access to the page, so that it can be checked on its own.
'use strict';

// niceTicks returns the ticks of an axis from 0 up to at least max: 0, step, 2·step, …,
// top, with step = 1, 2 or 5 × 10^k chosen as the smallest that needs at most maxSteps
// steps. With integer set, step is at least 1 (counts have no fractions). A max that is
// not above 0 gives [0, 1].
window.niceTicks = function niceTicks(max, maxSteps, integer) {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const steps = Math.max(1, Math.floor(maxSteps || 5));
  const rough = max / steps;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  let step = 10 * power;
  for (const m of [1, 2, 5]) {
    if (m * power >= rough) {
      step = m * power;
      break;
    }
  }
  if (integer && step < 1) step = 1;
  const n = Math.ceil(max / step - 1e-9);
  const ticks = [];
  // Multiply, never add, and round to 12 significant digits: 0.1 + 0.2 is not 0.3.
  for (let i = 0; i <= n; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
};
