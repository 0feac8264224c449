// Fused float32 kernels for the training path on the wasm backend (AssemblyScript → WebAssembly
// SIMD). They run inside the memory of @tensorflow/tfjs-backend-wasm: every pointer is a tensor's
// byte offset in that memory (src/tfjs/training/kernels/training-kernels.ts registers them as tfjs kernels
// and passes the offsets). No allocation, no static data: the module has no data segment and
// writes only through the output pointers it is given.
//
// Layouts (row-major, float32):
//   attention   q (B·Tq × C), k, v (B·Tk × C) with C = H·hs, head h in columns h·hs … h·hs + hs − 1;
//               probs, mask (B × H × Tq × Tk); y, dq (B·Tq × C); dk, dv (B·Tk × C)
//   layer norm  x, y, xhat, dy, dx (N × C); rstd (N); gamma, beta, dgamma, dbeta (C)
//   gelu        x, y, dy, dx (n)
//   adamw       p, g, m, v and their outputs (n)

// ---------------------------------------------------------------------------------------------
// helpers: dot product and y += a·x over n floats (4 lanes at a time, then the tail)

@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

@inline function axpy(y: usize, alpha: f32, x: usize, n: i32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

@inline function zeroRow(y: usize, n: i32): void {
  memory.fill(y, 0, <usize>n << 2);
}

// e^x for x ≤ 0 without a lookup table (AssemblyScript's Mathf.exp reads a table from static
// memory, which this module must not have): x = n ln2 + r, |r| ≤ ln2/2, e^r by the degree-7
// Cephes polynomial, 2^n through the exponent bits. Within 2 float32 units of e^x; below −87 it
// returns e^−87 ≈ 1.6e−38 (x is clamped so that 2^n stays a normal float: absolute error < 2e−38).
@inline function expNonPositive(x0: f32): f32 {
  const x = x0 < -87 ? <f32>-87 : x0;
  const n = Mathf.floor(x * <f32>1.4426950408889634 + <f32>0.5);
  const r = x - n * <f32>0.693359375 - n * <f32>-2.12194440e-4;
  let p = r * <f32>1.9875691500e-4 + <f32>1.3981999507e-3;
  p = p * r + <f32>8.3334519073e-3;
  p = p * r + <f32>4.1665795894e-2;
  p = p * r + <f32>1.6666665459e-1;
  p = p * r + <f32>5.0000001201e-1;
  p = p * r * r + r + 1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

// ---------------------------------------------------------------------------------------------
// attention: P = softmax(scale·q kᵀ + causal −∞ above the diagonal), y = (P ⊙ mask) v, by head.
// q, k, v rows are `ld` floats apart: ld = C for separate projections, 3C when q, k, v are the
// column blocks of one packed (B·T × 3C) projection. y rows are C floats apart.

export function attentionForward(q: usize, k: usize, v: usize, mask: usize, y: usize, probs: usize,
  B: i32, H: i32, Tq: i32, Tk: i32, hs: i32, ld: i32, scale: f32, causal: bool): void {
  const C = H * hs;
  const inBytes = <usize>ld << 2;
  const outBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const col = <usize>(h * hs) << 2;
      for (let i = 0; i < Tq; i++) {
        const qi = q + <usize>(b * Tq + i) * inBytes + col;
        const pRow = probs + (<usize>(((b * H + h) * Tq + i) * Tk) << 2);
        const mRow = mask + (<usize>(((b * H + h) * Tq + i) * Tk) << 2);
        const jEnd = causal ? i + 1 : Tk;
        let mx: f32 = -Infinity;
        for (let j = 0; j < jEnd; j++) {
          const s = dot(qi, k + <usize>(b * Tk + j) * inBytes + col, hs) * scale;
          store<f32>(pRow + (<usize>j << 2), s);
          if (s > mx) mx = s;
        }
        let sum: f32 = 0;
        for (let j = 0; j < jEnd; j++) {
          const e = expNonPositive(load<f32>(pRow + (<usize>j << 2)) - mx);
          store<f32>(pRow + (<usize>j << 2), e);
          sum += e;
        }
        const inv: f32 = 1 / sum;
        for (let j = 0; j < jEnd; j++) store<f32>(pRow + (<usize>j << 2), load<f32>(pRow + (<usize>j << 2)) * inv);
        for (let j = jEnd; j < Tk; j++) store<f32>(pRow + (<usize>j << 2), 0);
        const yi = y + <usize>(b * Tq + i) * outBytes + col;
        zeroRow(yi, hs);
        for (let j = 0; j < jEnd; j++) {
          let pd = load<f32>(pRow + (<usize>j << 2));
          if (mask != 0) pd *= load<f32>(mRow + (<usize>j << 2));
          if (pd != 0) axpy(yi, pd, v + <usize>(b * Tk + j) * inBytes + col, hs);
        }
      }
    }
  }
}

// Backward of attentionForward, given ∂y (rows C apart): with Pd = P ⊙ mask,
//   ∂Pd = ∂y vᵀ, ∂v = Pdᵀ ∂y, ∂P = ∂Pd ⊙ mask, ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)),
//   ∂q = scale ∂S k, ∂k = scale ∂Sᵀ q.  ∂q, ∂k, ∂v rows are `ld` floats apart, like q, k, v;
//   scratch holds one row of ∂P (Tk floats).
export function attentionBackward(dy: usize, q: usize, k: usize, v: usize, probs: usize, mask: usize,
  dq: usize, dk: usize, dv: usize, scratch: usize, B: i32, H: i32, Tq: i32, Tk: i32, hs: i32, ld: i32, scale: f32, causal: bool): void {
  const C = H * hs;
  const inBytes = <usize>ld << 2;
  const outBytes = <usize>C << 2;
  for (let r = 0; r < B * Tk; r++) {
    zeroRow(dk + <usize>r * inBytes, C);
    zeroRow(dv + <usize>r * inBytes, C);
  }
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const col = <usize>(h * hs) << 2;
      for (let i = 0; i < Tq; i++) {
        const dyi = dy + <usize>(b * Tq + i) * outBytes + col;
        const qi = q + <usize>(b * Tq + i) * inBytes + col;
        const pRow = probs + (<usize>(((b * H + h) * Tq + i) * Tk) << 2);
        const mRow = mask + (<usize>(((b * H + h) * Tq + i) * Tk) << 2);
        const jEnd = causal ? i + 1 : Tk;
        let c: f32 = 0;
        for (let j = 0; j < jEnd; j++) {
          const vj = v + <usize>(b * Tk + j) * inBytes + col;
          const p = load<f32>(pRow + (<usize>j << 2));
          const m: f32 = mask != 0 ? load<f32>(mRow + (<usize>j << 2)) : 1;
          const dp = dot(dyi, vj, hs) * m;
          const pd = p * m;
          if (pd != 0) axpy(dv + <usize>(b * Tk + j) * inBytes + col, pd, dyi, hs);
          store<f32>(scratch + (<usize>j << 2), dp);
          c += dp * p;
        }
        const dqi = dq + <usize>(b * Tq + i) * inBytes + col;
        zeroRow(dqi, hs);
        for (let j = 0; j < jEnd; j++) {
          const ds = load<f32>(pRow + (<usize>j << 2)) * (load<f32>(scratch + (<usize>j << 2)) - c) * scale;
          if (ds != 0) {
            axpy(dqi, ds, k + <usize>(b * Tk + j) * inBytes + col, hs);
            axpy(dk + <usize>(b * Tk + j) * inBytes + col, ds, qi, hs);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// layer norm over rows of C: x̂ = (x − μ) r, r = 1/√(σ² + ε) (biased σ²), y = x̂ γ + β

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

export function layerNormForward(x: usize, gamma: usize, beta: usize, y: usize, xhat: usize, rstd: usize, N: i32, C: i32, eps: f32): void {
  const invC: f32 = 1 / <f32>C;
  const C4 = C & ~3;
  for (let r = 0; r < N; r++) {
    const xr = x + (<usize>(r * C) << 2);
    let acc = f32x4.splat(0);
    for (let j = 0; j < C4; j += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>j << 2)));
    let s = hsum(acc);
    for (let j = C4; j < C; j++) s += load<f32>(xr + (<usize>j << 2));
    const mu = s * invC;
    const muv = f32x4.splat(mu);
    acc = f32x4.splat(0);
    for (let j = 0; j < C4; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), muv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let ss = hsum(acc);
    for (let j = C4; j < C; j++) {
      const d = load<f32>(xr + (<usize>j << 2)) - mu;
      ss += d * d;
    }
    const rs: f32 = 1 / Mathf.sqrt(ss * invC + eps);
    store<f32>(rstd + (<usize>r << 2), rs);
    const rsv = f32x4.splat(rs);
    const hr = xhat + (<usize>(r * C) << 2);
    const yr = y + (<usize>(r * C) << 2);
    for (let j = 0; j < C4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), muv), rsv);
      v128.store(hr + o, xh);
      v128.store(yr + o, f32x4.add(f32x4.mul(xh, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (let j = C4; j < C; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(xr + o) - mu) * rs;
      store<f32>(hr + o, xh);
      store<f32>(yr + o, xh * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

// ∂x = r (∂x̂ − mean(∂x̂) − x̂ mean(∂x̂ x̂)) with ∂x̂ = ∂y γ;  ∂γ = Σ_rows ∂y x̂;  ∂β = Σ_rows ∂y
export function layerNormBackward(dy: usize, xhat: usize, rstd: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize, N: i32, C: i32): void {
  const invC: f32 = 1 / <f32>C;
  const C4 = C & ~3;
  memory.fill(dgamma, 0, <usize>C << 2);
  memory.fill(dbeta, 0, <usize>C << 2);
  for (let r = 0; r < N; r++) {
    const gr = dy + (<usize>(r * C) << 2);
    const hr = xhat + (<usize>(r * C) << 2);
    let av = f32x4.splat(0);
    let bv = f32x4.splat(0);
    for (let j = 0; j < C4; j += 4) {
      const o = <usize>j << 2;
      const g = v128.load(gr + o);
      const xh = v128.load(hr + o);
      const d = f32x4.mul(g, v128.load(gamma + o));
      av = f32x4.add(av, d);
      bv = f32x4.add(bv, f32x4.mul(d, xh));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(g, xh)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), g));
    }
    let a = hsum(av);
    let bsum = hsum(bv);
    for (let j = C4; j < C; j++) {
      const o = <usize>j << 2;
      const g = load<f32>(gr + o);
      const xh = load<f32>(hr + o);
      const d = g * load<f32>(gamma + o);
      a += d;
      bsum += d * xh;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + g * xh);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + g);
    }
    a *= invC;
    bsum *= invC;
    const rs = load<f32>(rstd + (<usize>r << 2));
    const avv = f32x4.splat(a);
    const bvv = f32x4.splat(bsum);
    const rsv = f32x4.splat(rs);
    const dr = dx + (<usize>(r * C) << 2);
    for (let j = 0; j < C4; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(v128.load(gr + o), v128.load(gamma + o));
      v128.store(dr + o, f32x4.mul(f32x4.sub(f32x4.sub(d, avv), f32x4.mul(v128.load(hr + o), bvv)), rsv));
    }
    for (let j = C4; j < C; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(gr + o) * load<f32>(gamma + o);
      store<f32>(dr + o, (d - a - load<f32>(hr + o) * bsum) * rs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GELU with erf: y = x Φ(x), Φ(x) = (1 + erf(x/√2))/2, erf from the float32 rational
// approximation of Eigen/XLA (clamp to ±4, u·P(u²)/Q(u²)) — the same operations, in the same
// order, as erfRational in src/tfjs/training/training-ops.ts.

@inline function phi(x: f32): f32 {
  let u = x * <f32>0.7071067811865476;
  u = u < -4 ? -4 : u > 4 ? 4 : u;
  const u2 = u * u;
  let p = u2 * <f32>-2.72614225801306e-10 + <f32>2.77068142495902e-8;
  p = p * u2 + <f32>-2.10102402082508e-6;
  p = p * u2 + <f32>-5.69250639462346e-5;
  p = p * u2 + <f32>-7.34990630326855e-4;
  p = p * u2 + <f32>-2.95459980854025e-3;
  p = p * u2 + <f32>-1.60960333262415e-2;
  let qq = u2 * <f32>-1.45660718464996e-5 + <f32>-2.13374055278905e-4;
  qq = qq * u2 + <f32>-1.68282697438203e-3;
  qq = qq * u2 + <f32>-7.37332916720468e-3;
  qq = qq * u2 + <f32>-1.42647390514189e-2;
  return ((u * p) / qq + 1) * <f32>0.5;
}

// The same, four lanes at a time (f32x4 min/max clamp, multiplies, adds and a division: the
// lanes' values are those of phi, operation for operation).
@inline function phi4(x: v128): v128 {
  let u = f32x4.mul(x, f32x4.splat(0.7071067811865476));
  u = f32x4.min(f32x4.max(u, f32x4.splat(-4)), f32x4.splat(4));
  const u2 = f32x4.mul(u, u);
  let p = f32x4.add(f32x4.mul(u2, f32x4.splat(-2.72614225801306e-10)), f32x4.splat(2.77068142495902e-8));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-2.10102402082508e-6));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-5.69250639462346e-5));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-7.34990630326855e-4));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-2.95459980854025e-3));
  p = f32x4.add(f32x4.mul(p, u2), f32x4.splat(-1.60960333262415e-2));
  let qq = f32x4.add(f32x4.mul(u2, f32x4.splat(-1.45660718464996e-5)), f32x4.splat(-2.13374055278905e-4));
  qq = f32x4.add(f32x4.mul(qq, u2), f32x4.splat(-1.68282697438203e-3));
  qq = f32x4.add(f32x4.mul(qq, u2), f32x4.splat(-7.37332916720468e-3));
  qq = f32x4.add(f32x4.mul(qq, u2), f32x4.splat(-1.42647390514189e-2));
  return f32x4.mul(f32x4.add(f32x4.div(f32x4.mul(u, p), qq), f32x4.splat(1)), f32x4.splat(0.5));
}

// expNonPositive, four lanes at a time.
@inline function expNonPositive4(x0: v128): v128 {
  const x = f32x4.max(x0, f32x4.splat(-87));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.4426950408889634)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(r, f32x4.splat(1.9875691500e-4)), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

export function geluForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) { // two independent vectors per iteration: the Horner chains overlap
    const o = <usize>i << 2;
    const xa = v128.load(x + o);
    const xb = v128.load(x + o + 16);
    v128.store(y + o, f32x4.mul(xa, phi4(xa)));
    v128.store(y + o + 16, f32x4.mul(xb, phi4(xb)));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    v128.store(y + o, f32x4.mul(xv, phi4(xv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = load<f32>(x + o);
    store<f32>(y + o, xv * phi(xv));
  }
}

// ∂x = ∂y (Φ(x) + x φ(x)), φ(x) = e^(−x²/2)/√(2π)
@inline function geluGrad4(xv: v128): v128 {
  const density = f32x4.mul(expNonPositive4(f32x4.mul(f32x4.mul(xv, xv), f32x4.splat(-0.5))), f32x4.splat(0.3989422804014327));
  return f32x4.add(phi4(xv), f32x4.mul(xv, density));
}

export function geluBackward(dy: usize, x: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const ga = geluGrad4(v128.load(x + o));
    const gb = geluGrad4(v128.load(x + o + 16));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), ga));
    v128.store(dx + o + 16, f32x4.mul(v128.load(dy + o + 16), gb));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const density = f32x4.mul(expNonPositive4(f32x4.mul(f32x4.mul(xv, xv), f32x4.splat(-0.5))), f32x4.splat(0.3989422804014327));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.add(phi4(xv), f32x4.mul(xv, density))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = load<f32>(x + o);
    const density = expNonPositive(xv * xv * <f32>-0.5) * <f32>0.3989422804014327;
    store<f32>(dx + o, load<f32>(dy + o) * (phi(xv) + xv * density));
  }
}

// ---------------------------------------------------------------------------------------------
// AdamW over flat vectors, the float32 operations of src/tfjs/adamw.ts in the same order:
//   m' = m β₁ + g (1 − β₁);  v' = v β₂ + g² (1 − β₂);  d = √v' / bc2 + ε;  θ' = θ decay − (m' / d) step

export function adamw(p: usize, g: usize, m: usize, v: usize, pOut: usize, mOut: usize, vOut: usize, n: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, bc2Sqrt: f32, eps: f32, decay: f32, stepSize: f32): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const bc = f32x4.splat(bc2Sqrt);
  const ep = f32x4.splat(eps);
  const dc = f32x4.splat(decay);
  const st = f32x4.splat(stepSize);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mn = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gv, c1));
    const vn = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gv, gv), c2));
    const d = f32x4.add(f32x4.div(f32x4.sqrt(vn), bc), ep);
    v128.store(mOut + o, mn);
    v128.store(vOut + o, vn);
    v128.store(pOut + o, f32x4.sub(f32x4.mul(v128.load(p + o), dc), f32x4.mul(f32x4.div(mn, d), st)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const mn = load<f32>(m + o) * beta1 + gv * oneMinusBeta1;
    const vn = load<f32>(v + o) * beta2 + gv * gv * oneMinusBeta2;
    const d = Mathf.sqrt(vn) / bc2Sqrt + eps;
    store<f32>(mOut + o, mn);
    store<f32>(vOut + o, vn);
    store<f32>(pOut + o, load<f32>(p + o) * decay - (mn / d) * stepSize);
  }
}

// ---------------------------------------------------------------------------------------------
// transpose of a (rows × cols) matrix into (cols × rows): 4 × 4 tiles through registers (two
// rounds of lane shuffles), the ragged edges element by element.

export function transpose2d(x: usize, y: usize, rows: i32, cols: i32): void {
  const R4 = rows & ~3;
  const C4 = cols & ~3;
  const xs = <usize>cols << 2;
  const ys = <usize>rows << 2;
  for (let i = 0; i < R4; i += 4) {
    const x0 = x + <usize>i * xs;
    for (let j = 0; j < C4; j += 4) {
      const o = <usize>j << 2;
      const r0 = v128.load(x0 + o);
      const r1 = v128.load(x0 + xs + o);
      const r2 = v128.load(x0 + 2 * xs + o);
      const r3 = v128.load(x0 + 3 * xs + o);
      const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
      const y0 = y + <usize>j * ys + (<usize>i << 2);
      v128.store(y0, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
      v128.store(y0 + ys, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
      v128.store(y0 + 2 * ys, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
      v128.store(y0 + 3 * ys, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
    }
    for (let j = C4; j < cols; j++) {
      for (let r = i; r < i + 4; r++) store<f32>(y + <usize>j * ys + (<usize>r << 2), load<f32>(x + <usize>r * xs + (<usize>j << 2)));
    }
  }
  for (let r = R4; r < rows; r++) {
    for (let j = 0; j < cols; j++) store<f32>(y + <usize>j * ys + (<usize>r << 2), load<f32>(x + <usize>r * xs + (<usize>j << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// dropout mask: n entries, 0 where the uniform 32-bit draw u of a mulberry32 stream seeded by
// `seed` satisfies u < threshold (= p·2³²), else `scale` (= 1/(1 − p)) — the same integer
// arithmetic, hence the same mask, as dropoutMask in src/tfjs/training/training-ops.ts.

export function dropoutMask(out: usize, n: i32, threshold: f64, scale: f32, seed: i32): void {
  let a = seed;
  for (let i = 0; i < n; i++) {
    a += 0x6d2b79f5;
    let t = (a ^ (a >>> 15)) * (1 | a);
    t = (t + (t ^ (t >>> 7)) * (61 | t)) ^ t;
    const u = <u32>(t ^ (t >>> 14));
    store<f32>(out + (<usize>i << 2), <f64>u < threshold ? 0 : scale);
  }
}

// ---------------------------------------------------------------------------------------------
// column sums of an (N × C) matrix: out_j = Σ_r x_rj (the bias gradient 1ᵀ ∂y), rows added in order.

export function columnSum(x: usize, out: usize, N: i32, C: i32): void {
  const C4 = C & ~3;
  memory.fill(out, 0, <usize>C << 2);
  for (let r = 0; r < N; r++) {
    const xr = x + (<usize>(r * C) << 2);
    for (let j = 0; j < C4; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(xr + o)));
    }
    for (let j = C4; j < C; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(xr + o));
    }
  }
}
