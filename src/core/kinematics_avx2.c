/*
 * kinematics_avx2.c -- the kinematics kernel for CPUs with AVX2, four legs
 * per step.
 *
 * Compiled with a function-level target attribute, so the default build
 * needs no -m flags; kinematics.c calls it only when the CPU has AVX2.
 * Every phase formula is computed and the right one picked by blends whose
 * comparisons are those of the scalar reference (leg_along() in
 * kinematics.c), with the same operations in the same order and no fused
 * multiply-add, so the results are bit-identical to it.  The last n % 4
 * legs go through masked loads and stores.
 */
#include "sim/core/kinematics.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))

#include <immintrin.h>

#define SIM_AVX2 __attribute__((target("avx2"), always_inline)) static inline

/*
 * Distance along the leg (returned) and speed (*v, when want_v) at time tau
 * for four legs; the same operations as leg_along().
 */
SIM_AVX2 __m256d
along4(__m256d a, __m256d tb, __m256d tc, __m256d tk, __m256d tau,
	   __m256d *v, const int want_v)
{
	const __m256d zero = _mm256_setzero_pd();
	__m256d		half_a = _mm256_mul_pd(_mm256_set1_pd(0.5), a);
	__m256d		vpk = _mm256_mul_pd(a, tb);
	__m256d		s1 = _mm256_mul_pd(_mm256_mul_pd(half_a, tb), tb);
	__m256d		s2 = _mm256_add_pd(s1, _mm256_mul_pd(vpk, tc));
	__m256d		t2 = _mm256_add_pd(tb, tc);
	__m256d		t3 = _mm256_add_pd(t2, tk);
	__m256d		u = _mm256_sub_pd(_mm256_sub_pd(tau, tb), tc);
	__m256d		s_len,
				s_brake,
				s_coast,
				s_burn,
				s;
	__m256d		in_brake = _mm256_cmp_pd(tau, t3, _CMP_LT_OQ);
	__m256d		in_coast = _mm256_cmp_pd(tau, t2, _CMP_LT_OQ);
	__m256d		in_burn = _mm256_cmp_pd(tau, tb, _CMP_LT_OQ);
	__m256d		at_rest = _mm256_cmp_pd(tau, zero, _CMP_LE_OQ);

	s_len = _mm256_add_pd(s2,
						  _mm256_sub_pd(_mm256_mul_pd(vpk, tk),
										_mm256_mul_pd(_mm256_mul_pd(half_a, tk),
													  tk)));
	s_brake = _mm256_sub_pd(_mm256_add_pd(s2, _mm256_mul_pd(vpk, u)),
							_mm256_mul_pd(_mm256_mul_pd(half_a, u), u));
	s_coast = _mm256_add_pd(s1, _mm256_mul_pd(vpk, _mm256_sub_pd(tau, tb)));
	s_burn = _mm256_mul_pd(_mm256_mul_pd(half_a, tau), tau);

	/* later blends take precedence: the scalar if-chain, read backwards */
	s = _mm256_blendv_pd(s_len, s_brake, in_brake);
	s = _mm256_blendv_pd(s, s_coast, in_coast);
	s = _mm256_blendv_pd(s, s_burn, in_burn);
	s = _mm256_blendv_pd(s, zero, at_rest);

	if (want_v)
	{
		__m256d		vv;

		vv = _mm256_blendv_pd(zero,
							  _mm256_sub_pd(vpk, _mm256_mul_pd(a, u)),
							  in_brake);
		vv = _mm256_blendv_pd(vv, vpk, in_coast);
		vv = _mm256_blendv_pd(vv, _mm256_mul_pd(a, tau), in_burn);
		vv = _mm256_blendv_pd(vv, zero, at_rest);
		*v = vv;
	}
	return s;
}

/* Evaluate all n legs, with or without velocities. */
SIM_AVX2 void
eval_avx2(const SimLegColumns *L, size_t n, double tick,
		  SimStateColumns *out, const int want_v)
{
	const __m256d t = _mm256_set1_pd(tick);
	size_t		i;

	for (i = 0; i + 4 <= n; i += 4)
	{
		__m256d		v = _mm256_setzero_pd();
		__m256d		tau = _mm256_sub_pd(t, _mm256_loadu_pd(L->start_tick + i));
		__m256d		s = along4(_mm256_loadu_pd(L->accel + i),
							   _mm256_loadu_pd(L->t_burn + i),
							   _mm256_loadu_pd(L->t_coast + i),
							   _mm256_loadu_pd(L->t_brake + i),
							   tau, &v, want_v);
		__m256d		dx = _mm256_loadu_pd(L->dx + i);
		__m256d		dy = _mm256_loadu_pd(L->dy + i);
		__m256d		dz = _mm256_loadu_pd(L->dz + i);

		_mm256_storeu_pd(out->px + i,
						 _mm256_add_pd(_mm256_loadu_pd(L->ox + i),
									   _mm256_mul_pd(dx, s)));
		_mm256_storeu_pd(out->py + i,
						 _mm256_add_pd(_mm256_loadu_pd(L->oy + i),
									   _mm256_mul_pd(dy, s)));
		_mm256_storeu_pd(out->pz + i,
						 _mm256_add_pd(_mm256_loadu_pd(L->oz + i),
									   _mm256_mul_pd(dz, s)));
		if (want_v)
		{
			_mm256_storeu_pd(out->vx + i, _mm256_mul_pd(dx, v));
			_mm256_storeu_pd(out->vy + i, _mm256_mul_pd(dy, v));
			_mm256_storeu_pd(out->vz + i, _mm256_mul_pd(dz, v));
		}
	}

	if (i < n)
	{
		/* lanes 0 .. n-i-1 are live */
		__m256i		m = _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long) (n - i)),
										   _mm256_setr_epi64x(0, 1, 2, 3));
		__m256d		v = _mm256_setzero_pd();
		__m256d		tau = _mm256_sub_pd(t, _mm256_maskload_pd(L->start_tick + i, m));
		__m256d		s = along4(_mm256_maskload_pd(L->accel + i, m),
							   _mm256_maskload_pd(L->t_burn + i, m),
							   _mm256_maskload_pd(L->t_coast + i, m),
							   _mm256_maskload_pd(L->t_brake + i, m),
							   tau, &v, want_v);
		__m256d		dx = _mm256_maskload_pd(L->dx + i, m);
		__m256d		dy = _mm256_maskload_pd(L->dy + i, m);
		__m256d		dz = _mm256_maskload_pd(L->dz + i, m);

		_mm256_maskstore_pd(out->px + i, m,
							_mm256_add_pd(_mm256_maskload_pd(L->ox + i, m),
										  _mm256_mul_pd(dx, s)));
		_mm256_maskstore_pd(out->py + i, m,
							_mm256_add_pd(_mm256_maskload_pd(L->oy + i, m),
										  _mm256_mul_pd(dy, s)));
		_mm256_maskstore_pd(out->pz + i, m,
							_mm256_add_pd(_mm256_maskload_pd(L->oz + i, m),
										  _mm256_mul_pd(dz, s)));
		if (want_v)
		{
			_mm256_maskstore_pd(out->vx + i, m, _mm256_mul_pd(dx, v));
			_mm256_maskstore_pd(out->vy + i, m, _mm256_mul_pd(dy, v));
			_mm256_maskstore_pd(out->vz + i, m, _mm256_mul_pd(dz, v));
		}
	}
}

/* Evaluate n legs at tick t, four at a time; the CPU must have AVX2. */
__attribute__((target("avx2")))
void
SimKinematicsEvalAvx2(const SimLegColumns *legs, size_t n, double tick,
					  SimStateColumns *out)
{
	if (out->vx)
		eval_avx2(legs, n, tick, out, 1);
	else
		eval_avx2(legs, n, tick, out, 0);
}

#else							/* not x86 */

/* Without x86 there is no AVX2: the scalar reference stands in. */
void
SimKinematicsEvalAvx2(const SimLegColumns *legs, size_t n, double tick,
					  SimStateColumns *out)
{
	SimKinematicsEvalScalar(legs, n, tick, out);
}

#endif
