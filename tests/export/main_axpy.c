/* The program that tests/export/test_export.sh links with axpy.py exported by `loom export`:
 * scalars are passed by value (a float and an int32_t), Y is updated in place, only its
 * first n elements. Exits 0 only when every element is as a naive loop computes it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "axpy.h"

int main(void) {
  void (*typed)(const float*, float*, float, int32_t) = axpy;
  float X[256], Y[256], expected[256];
  const float a = 1.5f;
  const int32_t n = 200;
  int i, bad = 0;
  for (i = 0; i < 256; ++i) {
    X[i] = (float)i * 0.25f;
    Y[i] = (float)(i % 7) - 3.0f;
    expected[i] = i < n ? a * X[i] + Y[i] : Y[i];
  }
  typed(X, Y, a, n);
  for (i = 0; i < 256; ++i) {
    if (!(fabs((double)Y[i] - (double)expected[i]) <= 1e-5)) {
      if (bad == 0) printf("Y[%d] = %.7g, expected %.7g\n", i, (double)Y[i], (double)expected[i]);
      ++bad;
    }
  }
  if (bad != 0) {
    printf("%d mismatches\n", bad);
    return 1;
  }
  printf("ok: axpy\n");
  return 0;
}
