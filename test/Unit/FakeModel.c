/*===- FakeModel.c - A hand-written stand-in for a compiled model ---------===//
 *
 * What the compiler emits for a model, written by hand so the runtime can be
 * tested end to end without the compiler: the descriptor and the entry
 * points over the arena for out = x W + b, a 2-in 1-out linear model trained
 * with SGD on the weighted MSE loss L = sum_i m_i w_i (out_i - y_i)^2 /
 * sum_i m_i w_i. In train mode (nnc_train_step, nnc_train_loss) the mask m
 * drops sample k = (7 t + seed) mod B, with t = hyper[1] and seed = hyper[2],
 * like dropout; in eval mode m = 1. The buffer ymean [1] (init 1) is a running
 * mean of the targets, ymean' = 0.9 ymean + 0.1 sum_i w_i y_i / sum_i w_i,
 * written by the train step only, like batch norm's running statistics.
 * Arena slots (B = 4): W [2,1] @0, b [1] @64, ymean [1] @128, x [4,2] @192,
 * y [4,1] @256, w [4] @320, hyper [4] @384, loss scalar @448, out [4,1] @512.
 * The inline dataset (6 rows, so the second batch is padded) is
 * y = 3 x0 - 2 x1 + 0.5 exactly.
 * NNRT_FAKE_BAD_GRAD=1 in the environment scales the gradient by 1.5 so the
 * tests can show that gradcheck catches a wrong gradient.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <stdlib.h>

const char nnc_model_desc[] =
    "nnc-model 1\n"
    "source fake.nn\n"
    "model Fake\n"
    "batch 4\n"
    "arena 576\n"
    "optimizer sgd lr=0.1 momentum=0 beta1=0 beta2=0 eps=0\n"
    "train epochs=2 seed=7 classification=0\n"
    "data tensors\n"
    "dataset x 6,2 1 0 0 1 1 1 -1 0.5 0.5 -1 -0.5 -0.5\n"
    "dataset y 6,1 3.5 -1.5 1.5 -3.5 4 0\n"
    "slot param W f32 2,1 0\n"
    "init uniform -0.5 0.5\n"
    "slot param b f32 1 64\n"
    "init zeros\n"
    "slot buffer ymean f32 1 128\n"
    "init const 1\n"
    "slot input x f32 4,2 192\n"
    "slot target y f32 4,1 256\n"
    "slot weight w f32 4 320\n"
    "slot hyper hyper f32 4 384\n"
    "slot loss loss f32 scalar 448\n"
    "slot output out f32 4,1 512\n";

enum { B = 4 };
#define SLOT(T, off) ((T *)(arena + (off)))

/* out [B,1] = x [B,2] @ W [2,1] + b; returns L and (when dW/db are given) the
 * gradients dL/dW [2], dL/db [1]. `train` applies the mask m. */
static float forward(char *arena, int train, float *dW, float *db) {
  const float *W = SLOT(float, 0), *b = SLOT(float, 64), *x = SLOT(float, 192);
  const float *y = SLOT(float, 256), *hyper = SLOT(float, 384);
  float *out = SLOT(float, 512);
  float w[B], wsum = 0, loss = 0;
  int dropped =
      train ? (int)((7u * (uint32_t)hyper[1] + (uint32_t)hyper[2]) % B) : -1;
  for (int i = 0; i < B; ++i) {
    w[i] = i == dropped ? 0 : SLOT(float, 320)[i];
    wsum += w[i];
  }
  if (dW) {
    dW[0] = dW[1] = 0;
    *db = 0;
  }
  for (int i = 0; i < B; ++i) {
    out[i] = x[2 * i] * W[0] + x[2 * i + 1] * W[1] + b[0];
    float r = out[i] - y[i];
    loss += w[i] * r * r / wsum;
    if (dW) { /* dL/dout_i = 2 w_i r_i / sum w */
      float g = 2 * w[i] * r / wsum;
      dW[0] += g * x[2 * i];
      dW[1] += g * x[2 * i + 1];
      *db += g;
    }
  }
  *SLOT(float, 448) = loss;
  return loss;
}

void nnc_train_step(char *arena) {
  float dW[2], db, lr = SLOT(float, 384)[0];
  float scale = getenv("NNRT_FAKE_BAD_GRAD") ? 1.5f : 1.0f;
  const float *y = SLOT(float, 256), *w = SLOT(float, 320);
  float wy = 0, wsum = 0;
  for (int i = 0; i < B; ++i) {
    wy += w[i] * y[i];
    wsum += w[i];
  }
  *SLOT(float, 128) = 0.9f * *SLOT(float, 128) + 0.1f * wy / wsum;
  forward(arena, 1, dW, &db);
  SLOT(float, 0)[0] -= lr * scale * dW[0];
  SLOT(float, 0)[1] -= lr * scale * dW[1];
  SLOT(float, 64)[0] -= lr * scale * db;
}

void nnc_train_loss(char *arena) { forward(arena, 1, 0, 0); }

void nnc_eval_step(char *arena) { forward(arena, 0, 0, 0); }

void nnc_predict(char *arena) {
  const float *W = SLOT(float, 0), *b = SLOT(float, 64), *x = SLOT(float, 192);
  for (int i = 0; i < B; ++i)
    SLOT(float, 512)[i] = x[2 * i] * W[0] + x[2 * i + 1] * W[1] + b[0];
}

/* No carried state: the step function does nothing. */
void nnc_sample_step(char *arena) { (void)arena; }

/* Built without --grad-norms: no norm slots, the entry point does nothing. */
void nnc_train_step_norms(char *arena) { (void)arena; }
void nnc_train_step_checked(char *arena) { (void)arena; }
