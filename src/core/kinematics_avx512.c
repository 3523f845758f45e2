/*
 * kinematics_avx512.c -- the kinematics kernel for CPUs with AVX-512F,
 * eight legs per step.
 *
 * Compiled with a function-level target attribute, so the default build
 * needs no -m flags; kinematics.c calls it only when the CPU has AVX-512F.
 * Every phase formula is computed and the right one picked by masked moves
 * whose comparisons are those of the scalar reference (leg_along() in
 * kinematics.c), with the same operations in the same order and no fused
 * multiply-add, so the results are bit-identical to it.  The last n % 8
 * legs go through masked loads and stores.
 */
#include "sim/core/kinematics.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))

#include <immintrin.h>

#define SIM_AVX512 __attribute__((target("avx512f"), always_inline)) static inline

/*
 * Distance along the leg (returned) and speed (*v, when want_v) at time tau
 * for eight legs; the same operations as leg_along().
 */
SIM_AVX512 __m512d
along8(__m512d a, __m512d tb, __m512d tc, __m512d tk, __m512d tau,
	   __m512d *v, const int want_v)
{
	const __m512d zero = _mm512_setzero_pd();
	__m512d		half_a = _mm512_mul_pd(_mm512_set1_pd(0.5), a);
	__m512d		vpk = _mm512_mul_pd(a, tb);
	__m512d		s1 = _mm512_mul_pd(_mm512_mul_pd(half_a, tb), tb);
	__m512d		s2 = _mm512_add_pd(s1, _mm512_mul_pd(vpk, tc));
	__m512d		t2 = _mm512_add_pd(tb, tc);
	__m512d		t3 = _mm512_add_pd(t2, tk);
	__m512d		u = _mm512_sub_pd(_mm512_sub_pd(tau, tb), tc);
	__m512d		s;
	__mmask8	in_brake = _mm512_cmp_pd_mask(tau, t3, _CMP_LT_OQ);
	__mmask8	in_coast = _mm512_cmp_pd_mask(tau, t2, _CMP_LT_OQ);
	__mmask8	in_burn = _mm512_cmp_pd_mask(tau, tb, _CMP_LT_OQ);
	__mmask8	at_rest = _mm512_cmp_pd_mask(tau, zero, _CMP_LE_OQ);

	/* later moves take precedence: the scalar if-chain, read backwards */
	s = _mm512_add_pd(s2,
					  _mm512_sub_pd(_mm512_mul_pd(vpk, tk),
									_mm512_mul_pd(_mm512_mul_pd(half_a, tk), tk)));
	s = _mm512_mask_mov_pd(s, in_brake,
						   _mm512_sub_pd(_mm512_add_pd(s2, _mm512_mul_pd(vpk, u)),
										 _mm512_mul_pd(_mm512_mul_pd(half_a, u), u)));
	s = _mm512_mask_mov_pd(s, in_coast,
						   _mm512_add_pd(s1, _mm512_mul_pd(vpk,
														   _mm512_sub_pd(tau, tb))));
	s = _mm512_mask_mov_pd(s, in_burn,
						   _mm512_mul_pd(_mm512_mul_pd(half_a, tau), tau));
	s = _mm512_mask_mov_pd(s, at_rest, zero);

	if (want_v)
	{
		__m512d		vv;

		vv = _mm512_maskz_mov_pd(in_brake, _mm512_sub_pd(vpk, _mm512_mul_pd(a, u)));
		vv = _mm512_mask_mov_pd(vv, in_coast, vpk);
		vv = _mm512_mask_mov_pd(vv, in_burn, _mm512_mul_pd(a, tau));
		vv = _mm512_mask_mov_pd(vv, at_rest, zero);
		*v = vv;
	}
	return s;
}

/*
 * Evaluate legs i .. i+7 whose lanes are set in m (all eight in the main
 * loop, the tail's in the last step).
 */
SIM_AVX512 void
step8(const SimLegColumns *L, size_t i, __mmask8 m, __m512d t,
	  SimStateColumns *out, const int want_v)
{
	__m512d		v = _mm512_setzero_pd();
	__m512d		tau = _mm512_sub_pd(t, _mm512_maskz_loadu_pd(m, L->start_tick + i));
	__m512d		s = along8(_mm512_maskz_loadu_pd(m, L->accel + i),
						   _mm512_maskz_loadu_pd(m, L->t_burn + i),
						   _mm512_maskz_loadu_pd(m, L->t_coast + i),
						   _mm512_maskz_loadu_pd(m, L->t_brake + i),
						   tau, &v, want_v);
	__m512d		dx = _mm512_maskz_loadu_pd(m, L->dx + i);
	__m512d		dy = _mm512_maskz_loadu_pd(m, L->dy + i);
	__m512d		dz = _mm512_maskz_loadu_pd(m, L->dz + i);

	_mm512_mask_storeu_pd(out->px + i, m,
						  _mm512_add_pd(_mm512_maskz_loadu_pd(m, L->ox + i),
										_mm512_mul_pd(dx, s)));
	_mm512_mask_storeu_pd(out->py + i, m,
						  _mm512_add_pd(_mm512_maskz_loadu_pd(m, L->oy + i),
										_mm512_mul_pd(dy, s)));
	_mm512_mask_storeu_pd(out->pz + i, m,
						  _mm512_add_pd(_mm512_maskz_loadu_pd(m, L->oz + i),
										_mm512_mul_pd(dz, s)));
	if (want_v)
	{
		_mm512_mask_storeu_pd(out->vx + i, m, _mm512_mul_pd(dx, v));
		_mm512_mask_storeu_pd(out->vy + i, m, _mm512_mul_pd(dy, v));
		_mm512_mask_storeu_pd(out->vz + i, m, _mm512_mul_pd(dz, v));
	}
}

/* Evaluate all n legs, with or without velocities. */
SIM_AVX512 void
eval_avx512(const SimLegColumns *L, size_t n, double tick,
			SimStateColumns *out, const int want_v)
{
	const __m512d t = _mm512_set1_pd(tick);
	size_t		i;

	for (i = 0; i + 8 <= n; i += 8)
		step8(L, i, (__mmask8) 0xff, t, out, want_v);
	if (i < n)
		step8(L, i, (__mmask8) ((1u << (n - i)) - 1u), t, out, want_v);
}

/* Evaluate n legs at tick t, eight at a time; the CPU must have AVX-512F. */
__attribute__((target("avx512f")))
void
SimKinematicsEvalAvx512(const SimLegColumns *legs, size_t n, double tick,
						SimStateColumns *out)
{
	if (out->vx)
		eval_avx512(legs, n, tick, out, 1);
	else
		eval_avx512(legs, n, tick, out, 0);
}

#else							/* not x86 */

/* Without x86 there is no AVX-512: the scalar reference stands in. */
void
SimKinematicsEvalAvx512(const SimLegColumns *legs, size_t n, double tick,
						SimStateColumns *out)
{
	SimKinematicsEvalScalar(legs, n, tick, out);
}

#endif
