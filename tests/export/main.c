/* The program that tests/export/test_export.sh links with a kernel exported by `loom export`:
 * it fills A (M x K) and B (K x N) with pseudo-random values and C with NaN, calls the
 * kernel's typed entry, then its packed entry, and checks C = A @ B against a naive loop
 * in double precision. Exits 0 only when every element matches within tolerance.
 *
 * Valid C99 and C++ (the script compiles it both ways): the header must work from both.
 * Compile with -DKERNEL=name -DKERNEL_HEADER='"name.h"' -DM=.. -DN=.. -DK=.. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include KERNEL_HEADER
#include KERNEL_HEADER /* twice: the include guard must hold */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define KERNEL_PACKED CAT(KERNEL, _packed)

/* A linear congruential generator: values in [-0.5, 0.5). */
static float next_value(unsigned* state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)((*state >> 8) & 0xffffu) / 65536.0f - 0.5f;
}

/* The number of elements of C that differ from A @ B (computed in double), printing the first. */
static int count_mismatches(const float* A, const float* B, const float* C, const char* entry) {
  int bad = 0;
  int i, j, k;
  for (i = 0; i < M; ++i) {
    for (j = 0; j < N; ++j) {
      double ref = 0.0;
      double tol;
      for (k = 0; k < K; ++k) ref += (double)A[i * K + k] * (double)B[k * N + j];
      tol = 1e-4 + 1e-4 * fabs(ref);
      if (!(fabs((double)C[i * N + j] - ref) <= tol)) {
        if (bad == 0) printf("%s: C[%d, %d] = %.7g, expected %.7g\n", entry, i, j, (double)C[i * N + j], ref);
        ++bad;
      }
    }
  }
  return bad;
}

int main(void) {
  /* The typed entry has exactly the declared signature: inputs const, the output not. */
  void (*typed)(const float*, const float*, float*) = KERNEL;
  void (*packed)(void**) = KERNEL_PACKED;
  float* A = (float*)malloc(sizeof(float) * M * K);
  float* B = (float*)malloc(sizeof(float) * K * N);
  float* C = (float*)malloc(sizeof(float) * M * N);
  void* args[3];
  unsigned state = 12345u;
  int i, bad;
  if (A == NULL || B == NULL || C == NULL) return 2;
  for (i = 0; i < M * K; ++i) A[i] = next_value(&state);
  for (i = 0; i < K * N; ++i) B[i] = next_value(&state);

  for (i = 0; i < M * N; ++i) C[i] = NAN;
  typed(A, B, C);
  bad = count_mismatches(A, B, C, "typed entry");

  for (i = 0; i < M * N; ++i) C[i] = NAN;
  args[0] = A;
  args[1] = B;
  args[2] = C;
  packed(args);
  bad += count_mismatches(A, B, C, "packed entry");

  free(A);
  free(B);
  free(C);
  if (bad != 0) {
    printf("%d mismatches\n", bad);
    return 1;
  }
  printf("ok: %d x %d x %d\n", M, N, K);
  return 0;
}
