/* Binary trees (the classic benchmark): build and walk many perfect binary
 * trees node by node with malloc, free them node by node. Allocation-heavy,
 * pointer chasing. Size: maximum depth. */
#include "common.h"

typedef struct node {
  struct node *left, *right;
} node_t;

static node_t *make(int depth) {
  node_t *n = xmalloc(sizeof *n);
  if (depth > 0) {
    n->left = make(depth - 1);
    n->right = make(depth - 1);
  } else {
    n->left = n->right = NULL;
  }
  return n;
}

static uint32_t check(const node_t *n) {
  return 1 + (n->left ? check(n->left) + check(n->right) : 0);
}

static void destroy(node_t *n) {
  if (n->left) {
    destroy(n->left);
    destroy(n->right);
  }
  free(n);
}

int main(int argc, char **argv) {
  int max_depth = (int)bench_size(argc, argv, 17, 12);
  const int min_depth = 4;
  if (max_depth < min_depth + 2) max_depth = min_depth + 2;
  uint64_t h = HASH_INIT;

  node_t *stretch = make(max_depth + 1);
  uint32_t c = check(stretch);
  printf("stretch tree of depth %d\t check: %u\n", max_depth + 1, c);
  h = hash_u64(h, c);
  destroy(stretch);

  node_t *long_lived = make(max_depth);
  for (int d = min_depth; d <= max_depth; d += 2) {
    /* Twice the classic count: twice the work in the same memory (see
     * bench/README.md on why every program stays under 32 MiB). */
    uint32_t iterations = 2u << (max_depth - d + min_depth), sum = 0;
    for (uint32_t i = 0; i < iterations; i++) {
      node_t *t = make(d);
      sum += check(t);
      destroy(t);
    }
    printf("%u\t trees of depth %d\t check: %u\n", iterations, d, sum);
    h = hash_u64(h, sum);
  }
  c = check(long_lived);
  printf("long lived tree of depth %d\t check: %u\n", max_depth, c);
  destroy(long_lived);
  print_checksum("binarytrees", hash_u64(h, c));
  return 0;
}
