// Drives the nnc_* entry points of examples/worked.nn through a hand-filled
// arena laid out as in its descriptor (checked by worked.test): one eval step,
// one SGD train step (lr 0.1), then prints loss, out and every parameter.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nnc_train_step(char *arena);
void nnc_eval_step(char *arena);
extern const char nnc_model_desc[];

static void put(char *arena, int offset, const float *v, int n) {
  memcpy(arena + offset, v, n * sizeof(float));
}
static void print(const char *name, const char *arena, int offset, int n) {
  printf("%s", name);
  for (int i = 0; i < n; ++i)
    printf(" %g", ((const float *)(arena + offset))[i]);
  printf("\n");
}

int main(void) {
  char *arena = aligned_alloc(64, 640);
  memset(arena, 0, 640);
  const float w1[] = {1, -0.5, 0.5, -1}, b1[] = {0.5, -0.5};
  const float w2[] = {0.5, -1, -0.5, 1}, b2[] = {-1, 0.5};
  const float x[] = {2, -1}, y[] = {1, 0.5}, w[] = {1}, hyper[] = {0.1f, 1, 0, 0};
  put(arena, 0, w1, 4), put(arena, 64, b1, 2), put(arena, 128, w2, 4);
  put(arena, 192, b2, 2), put(arena, 256, x, 2), put(arena, 320, y, 2);
  put(arena, 384, w, 1), put(arena, 448, hyper, 4);
  nnc_eval_step(arena);
  print("eval loss", arena, 512, 1);
  print("eval out", arena, 576, 2);
  nnc_train_step(arena);
  print("train loss", arena, 512, 1);
  print("train out", arena, 576, 2);
  print("W1", arena, 0, 4);
  print("b1", arena, 64, 2);
  print("W2", arena, 128, 4);
  print("b2", arena, 192, 2);
  printf("desc %.11s\n", nnc_model_desc);
  free(arena);
  return 0;
}
