/*
 * kinematics.c -- flight-plan legs: planning, the scalar reference kernel
 * and run-time selection of the SIMD variants.
 *
 * The scalar code here is the definition of a leg's motion.  The AVX2 and
 * AVX-512 variants (kinematics_avx2.c, kinematics_avx512.c) evaluate every
 * phase formula and pick one with blends, but they perform exactly the same
 * double operations in exactly the same order as leg_along() below, so all
 * variants agree bit for bit.  Anything changed here must be changed there
 * in the same way; the unit tests compare the variants with memcmp.
 *
 * The CPU is probed once, on first use, and the answer cached in a static;
 * no constructor runs at load time.
 */
#include "sim/core/kinematics.h"

#include <math.h>

/*
 * Distance s and speed v along a leg at time tau since its start.  This is
 * the reference every variant reproduces:
 *
 *	tau <= 0				s = 0
 *	tau < t_burn			burn:  s = (0.5a tau) tau,        v = a tau
 *	tau < t_burn+t_coast	coast: s = s1 + vpk (tau - t_burn), v = vpk
 *	tau < total				brake: s = (s2 + vpk u) - (0.5a u) u,
 *							       v = vpk - a u,  u = (tau - t_burn) - t_coast
 *	otherwise				s = L (leg_length), v = 0
 *
 * with vpk = a t_burn, s1 = (0.5a t_burn) t_burn, s2 = s1 + vpk t_coast and
 * total = (t_burn + t_coast) + t_brake.  A NaN tau falls through to L, as it
 * does in the SIMD variants (every comparison with NaN is false).
 */
static inline void
leg_along(double a, double tb, double tc, double tk, double tau,
		  double *s, double *v)
{
	double		half_a = 0.5 * a;
	double		vpk = a * tb;
	double		s1 = (half_a * tb) * tb;
	double		s2 = s1 + vpk * tc;
	double		t2 = tb + tc;
	double		t3 = t2 + tk;

	if (tau <= 0.0)
	{
		*s = 0.0;
		*v = 0.0;
	}
	else if (tau < tb)
	{
		*s = (half_a * tau) * tau;
		*v = a * tau;
	}
	else if (tau < t2)
	{
		*s = s1 + vpk * (tau - tb);
		*v = vpk;
	}
	else if (tau < t3)
	{
		double		u = (tau - tb) - tc;

		*s = (s2 + vpk * u) - (half_a * u) * u;
		*v = vpk - a * u;
	}
	else
	{
		*s = s2 + (vpk * tk - (half_a * tk) * tk);
		*v = 0.0;
	}
}

/*
 * Total length of a leg: the distance reported from the arrival on.  The
 * same expression as the last case of leg_along().
 */
static inline double
leg_length(double a, double tb, double tc, double tk)
{
	double		half_a = 0.5 * a;
	double		vpk = a * tb;
	double		s1 = (half_a * tb) * tb;
	double		s2 = s1 + vpk * tc;

	return s2 + (vpk * tk - (half_a * tk) * tk);
}

/* Distance and speed along a leg at tick t; see leg_along(). */
void
SimLegAlong(const SimLeg *leg, double tick, double *s, double *v)
{
	double		ss,
				vv;

	leg_along(leg->accel, leg->t_burn, leg->t_coast, leg->t_brake,
			  tick - leg->start_tick, &ss, &vv);
	if (s)
		*s = ss;
	if (v)
		*v = vv;
}

/* Position and velocity of one leg at tick t, exactly as every kernel computes them. */
void
SimLegEval(const SimLeg *leg, double tick, double pos[3], double vel[3])
{
	double		s,
				v;

	leg_along(leg->accel, leg->t_burn, leg->t_coast, leg->t_brake,
			  tick - leg->start_tick, &s, &v);
	if (pos)
	{
		pos[0] = leg->ox + leg->dx * s;
		pos[1] = leg->oy + leg->dy * s;
		pos[2] = leg->oz + leg->dz * s;
	}
	if (vel)
	{
		vel[0] = leg->dx * v;
		vel[1] = leg->dy * v;
		vel[2] = leg->dz * v;
	}
}

/* Duration of the leg in seconds: burn, coast and brake together. */
double
SimLegDuration(const SimLeg *leg)
{
	return (leg->t_burn + leg->t_coast) + leg->t_brake;
}

/* Length of the leg in km: the distance reported from the arrival on. */
double
SimLegLength(const SimLeg *leg)
{
	return leg_length(leg->accel, leg->t_burn, leg->t_coast, leg->t_brake);
}

/*
 * Plan a rest-to-rest leg from a to b.  The profile is triangular (burn then
 * brake, never reaching vmax) when the distance is at most vmax^2 / accel,
 * and trapezoidal otherwise.
 *
 * The leg's end point is the point the kernel evaluates at arrival,
 * a + d * SimLegLength(leg); rounding can put it some ulps away from b.
 * That evaluated point, not b, is where the ship is from then on.
 *
 * A zero distance, or an acceleration or speed limit that is not a positive
 * finite number, yields a zero-length leg at a (all durations 0, direction
 * (0,0,0)) and a peak speed of 0; callers validate their limits first.
 */
double
SimLegPlan(SimLeg *leg, const double a[3], const double b[3],
		   double accel, double vmax, double start_tick)
{
	double		ex = b[0] - a[0];
	double		ey = b[1] - a[1];
	double		ez = b[2] - a[2];
	double		dist = sqrt(ex * ex + ey * ey + ez * ez);
	double		reach;

	leg->ox = a[0];
	leg->oy = a[1];
	leg->oz = a[2];
	leg->start_tick = start_tick;

	if (!(dist > 0.0) || !isfinite(dist) ||
		!(accel > 0.0) || !isfinite(accel) ||
		!(vmax > 0.0) || !isfinite(vmax))
	{
		leg->dx = leg->dy = leg->dz = 0.0;
		leg->accel = 0.0;
		leg->t_burn = leg->t_coast = leg->t_brake = 0.0;
		return 0.0;
	}

	leg->dx = ex / dist;
	leg->dy = ey / dist;
	leg->dz = ez / dist;
	leg->accel = accel;

	/* distance covered by a full burn to vmax and a full brake from it */
	reach = vmax * vmax / accel;
	if (dist <= reach)
	{
		leg->t_burn = sqrt(dist / accel);
		leg->t_coast = 0.0;
	}
	else
	{
		leg->t_burn = vmax / accel;
		leg->t_coast = (dist - reach) / vmax;
	}
	leg->t_brake = leg->t_burn;

	return accel * leg->t_burn;
}

/* Evaluate n legs at tick t with the scalar reference code. */
void
SimKinematicsEvalScalar(const SimLegColumns *legs, size_t n, double tick,
						SimStateColumns *out)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		double		s,
					v;

		leg_along(legs->accel[i], legs->t_burn[i], legs->t_coast[i],
				  legs->t_brake[i], tick - legs->start_tick[i], &s, &v);
		out->px[i] = legs->ox[i] + legs->dx[i] * s;
		out->py[i] = legs->oy[i] + legs->dy[i] * s;
		out->pz[i] = legs->oz[i] + legs->dz[i] * s;
		if (out->vx)
		{
			out->vx[i] = legs->dx[i] * v;
			out->vy[i] = legs->dy[i] * v;
			out->vz[i] = legs->dz[i] * v;
		}
	}
}

/* Evaluate n legs at tick t with the given variant, which must be supported. */
void
SimKinematicsEvalVariant(SimKernelVariant variant, const SimLegColumns *legs,
						 size_t n, double tick, SimStateColumns *out)
{
	switch (variant)
	{
		case SIM_KERNEL_AVX512:
			SimKinematicsEvalAvx512(legs, n, tick, out);
			break;
		case SIM_KERNEL_AVX2:
			SimKinematicsEvalAvx2(legs, n, tick, out);
			break;
		default:
			SimKinematicsEvalScalar(legs, n, tick, out);
			break;
	}
}

/* Evaluate n legs at tick t with the best variant this CPU supports. */
void
SimKinematicsEval(const SimLegColumns *legs, size_t n, double tick,
				  SimStateColumns *out)
{
	SimKinematicsEvalVariant(SimKernelBest(), legs, n, tick, out);
}

/* Bit set of supported variants; probed on first call, then cached. */
static unsigned
supported_mask(void)
{
	static int	probed = 0;
	static unsigned mask = 0;

	if (!probed)
	{
		unsigned	m = 1u << SIM_KERNEL_SCALAR;

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
		__builtin_cpu_init();
		/* these also check that the OS saves the wide registers */
		if (__builtin_cpu_supports("avx2"))
			m |= 1u << SIM_KERNEL_AVX2;
		if (__builtin_cpu_supports("avx512f"))
			m |= 1u << SIM_KERNEL_AVX512;
#endif
		mask = m;
		probed = 1;
	}
	return mask;
}

/* Whether this CPU can run the given variant. */
int
SimKernelSupported(SimKernelVariant variant)
{
	if ((int) variant < SIM_KERNEL_SCALAR || variant > SIM_KERNEL_AVX512)
		return 0;
	return (supported_mask() >> variant) & 1u;
}

/* The fastest variant this CPU supports. */
SimKernelVariant
SimKernelBest(void)
{
	if (SimKernelSupported(SIM_KERNEL_AVX512))
		return SIM_KERNEL_AVX512;
	if (SimKernelSupported(SIM_KERNEL_AVX2))
		return SIM_KERNEL_AVX2;
	return SIM_KERNEL_SCALAR;
}

/* A variant's name: "scalar", "avx2" or "avx512" ("unknown" otherwise). */
const char *
SimKernelName(SimKernelVariant variant)
{
	switch (variant)
	{
		case SIM_KERNEL_SCALAR:
			return "scalar";
		case SIM_KERNEL_AVX2:
			return "avx2";
		case SIM_KERNEL_AVX512:
			return "avx512";
	}
	return "unknown";
}
