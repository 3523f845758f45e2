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

/*
 * The fields of a leg, once: X(member, column, type) in the order of SimLeg,
 * where column is the field's column in sim.ship and sim.flight_leg (and the
 * argument of sim.leg_state) and type its SQL type, float8 or int8 (SimLeg
 * holds every field as a double).  SimLeg, SimLegColumns, the shared-memory
 * leg columns, every statement that reads or writes a leg
 * (include/sim/leg_row.h), the table sim.leg_field and the ship fields of
 * the change record are made from it.
 *
 * Adding a field: add it here, teach the kernels (kinematics*.c) its
 * meaning, and add its column to sim.ship (sql/schema.sql), sim.flight_leg
 * and the arguments of sim.leg_state (sql/engine.sql) -- the extension does
 * not install until sim.check_vocabulary() finds them.
 */
#define SIM_LEG_FIELDS(X) \
	X(ox, x, float8)			/* origin, km */ \
	X(oy, y, float8) \
	X(oz, z, float8) \
	X(dx, dir_x, float8)		/* unit direction of travel */ \
	X(dy, dir_y, float8) \
	X(dz, dir_z, float8) \
	X(accel, accel, float8)		/* km/s^2, >= 0 */ \
	X(t_burn, t_burn, float8)	/* s, >= 0 */ \
	X(t_coast, t_coast, float8) /* s, >= 0 */ \
	X(t_brake, t_brake, float8) /* s, >= 0 (equal to t_burn: rest to rest) */ \
	X(start_tick, leg_start_tick, int8) /* tick at which the burn starts */

/* SIM_LEG_ox ... : the position of each field in SIM_LEG_FIELDS. */
#define SIM_LEG_INDEX_(member, column, type) SIM_LEG_##member,
enum
{
	SIM_LEG_FIELDS(SIM_LEG_INDEX_)
	SIM_LEG_NFIELDS
};

/* One leg of a flight plan, as stored in a ship's row. */
#define SIM_LEG_MEMBER_(member, column, type) double member;
typedef struct SimLeg
{
	SIM_LEG_FIELDS(SIM_LEG_MEMBER_)
} SimLeg;

/*
 * Structure-of-arrays view of n legs: the kernel's input.  Every pointer
 * addresses an array of at least n doubles.  A ship at rest is a leg with
 * accel = t_burn = t_coast = t_brake = 0 and origin = its position.
 */
#define SIM_LEG_COLUMN_(member, column, type) double *member;
typedef struct SimLegColumns
{
	SIM_LEG_FIELDS(SIM_LEG_COLUMN_)
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
