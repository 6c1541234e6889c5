/* close.c - the kit's closeness rule (see close.h). */
#include "close.h"

#include <math.h>

int values_close(double got, double want, double tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return isfinite(got) && fabs(got - want) <= tol * fmax(1.0, fabs(want));
}
