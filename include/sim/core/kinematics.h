/*
 * kinematics.h -- flight plans and the kinematics kernel (no Postgres inside).
 *
 * A flight-plan leg is a straight line travelled from rest to rest in three
 * segments of constant acceleration: burn (+accel for t_burn seconds), coast
 * (constant speed for t_coast seconds), brake (-accel for t_brake seconds).
 * Time is measured in ticks; one tick is one simulated second.  Lengths are
 * kilometres, speeds km/s, accelerations km/s^2, all in the global frame.
 *
 * The position at tick t is a pure function of the leg and t.  Every kernel
 * variant (scalar reference, AVX2, AVX-512) performs the same IEEE-754
 * double operations in the same order, without fused multiply-add, so all
 * variants return bit-identical results.
 */
#ifndef SIM_CORE_KINEMATICS_H
#define SIM_CORE_KINEMATICS_H

#include <stddef.h>
#include <stdint.h>

/* One leg of a flight plan, as stored in a ship's row. */
typedef struct SimLeg
{
	double		ox, oy, oz;		/* origin, km */
	double		dx, dy, dz;		/* unit direction of travel */
	double		accel;			/* km/s^2, >= 0 */
	double		t_burn;			/* s, >= 0 */
	double		t_coast;		/* s, >= 0 */
	double		t_brake;		/* s, >= 0 (equal to t_burn: rest to rest) */
	double		start_tick;		/* tick at which the burn starts */
} SimLeg;

/*
 * Structure-of-arrays view of n legs: the kernel's input.  Every pointer
 * addresses an array of at least n doubles.  A ship at rest is a leg with
 * accel = t_burn = t_coast = t_brake = 0 and origin = its position.
 */
typedef struct SimLegColumns
{
	double	   *ox, *oy, *oz;
	double	   *dx, *dy, *dz;
	double	   *accel;
	double	   *t_burn, *t_coast, *t_brake;
	double	   *start_tick;
} SimLegColumns;

/* Kernel output: positions (km) and, when vx is not NULL, velocities (km/s). */
typedef struct SimStateColumns
{
	double	   *px, *py, *pz;
	double	   *vx, *vy, *vz;	/* all NULL, or all non-NULL */
} SimStateColumns;

typedef enum SimKernelVariant
{
	SIM_KERNEL_SCALAR = 0,
	SIM_KERNEL_AVX2 = 1,
	SIM_KERNEL_AVX512 = 2
} SimKernelVariant;

/*
 * Distance along the leg travelled at tick t (km) and speed (km/s); exactly
 * 0 before the start and exactly the total length from the arrival on.
 */
extern void SimLegAlong(const SimLeg *leg, double tick, double *s, double *v);

/* Position and velocity of one leg at tick t: the scalar reference. */
extern void SimLegEval(const SimLeg *leg, double tick,
					   double pos[3], double vel[3]);

/* Total duration of the leg in seconds and its length in km. */
extern double SimLegDuration(const SimLeg *leg);
extern double SimLegLength(const SimLeg *leg);

/*
 * Plan a rest-to-rest leg from a to b with acceleration at most accel and
 * speed at most vmax.  Fills *leg (start_tick as given); returns the peak
 * speed reached (km/s).  a == b yields a zero-length leg.
 */
extern double SimLegPlan(SimLeg *leg, const double a[3], const double b[3],
						 double accel, double vmax, double start_tick);

/* Evaluate n legs at tick t with the given variant (must be supported). */
extern void SimKinematicsEvalVariant(SimKernelVariant variant,
									 const SimLegColumns *legs, size_t n,
									 double tick, SimStateColumns *out);

/* Evaluate n legs at tick t with the best variant this CPU supports. */
extern void SimKinematicsEval(const SimLegColumns *legs, size_t n,
							  double tick, SimStateColumns *out);

/*
 * The variants behind SimKinematicsEvalVariant, one per file.  Each gives
 * bit-identical results; the SIMD ones may be called only when
 * SimKernelSupported says the CPU has them.
 */
extern void SimKinematicsEvalScalar(const SimLegColumns *legs, size_t n,
									double tick, SimStateColumns *out);
extern void SimKinematicsEvalAvx2(const SimLegColumns *legs, size_t n,
								  double tick, SimStateColumns *out);
extern void SimKinematicsEvalAvx512(const SimLegColumns *legs, size_t n,
									double tick, SimStateColumns *out);

/* CPU dispatch: detected once, then cached.  Forcing is for tests. */
extern SimKernelVariant SimKernelBest(void);
extern int	SimKernelSupported(SimKernelVariant variant);
extern const char *SimKernelName(SimKernelVariant variant);

#endif							/* SIM_CORE_KINEMATICS_H */
