/* A small stack-based bytecode interpreter (switch dispatch, 64-bit values,
 * locals, a heap array), running two guest programs: the total Collatz steps
 * of 1..n, and a sieve that counts primes in the guest's own array. Branchy,
 * unpredictable dispatch. Size: n for Collatz, in thousands. */
#include "common.h"

enum op {
  PUSH, LOAD, STORE, ADD, SUB, MUL, AND, SHR, LT, NE, JZ, JMP, ALOAD, ASTORE, INC, HALT
};

typedef struct {
  int32_t code[256];
  int len;
} program_t;

static void emit(program_t *p, int32_t op) { p->code[p->len++] = op; }
static void emit2(program_t *p, int32_t op, int32_t arg) { emit(p, op); emit(p, arg); }
/* A forward jump: returns the slot to patch with patch(). */
static int emit_jump(program_t *p, int32_t op) { emit2(p, op, -1); return p->len - 1; }
static void patch(program_t *p, int slot) { p->code[slot] = p->len; }

static int64_t run(const int32_t *code, int64_t *locals, int64_t *heap, uint64_t *steps) {
  int64_t stack[64];
  int sp = 0, pc = 0;
  uint64_t n = 0;
  for (;;) {
    n++;
    int32_t op = code[pc++];
    switch (op) {
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = locals[code[pc++]]; break;
      case STORE: locals[code[pc++]] = stack[--sp]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> stack[sp]); break;
      case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case NE: sp--; stack[sp - 1] = stack[sp - 1] != stack[sp]; break;
      case JZ: {
        int32_t target = code[pc++];
        if (stack[--sp] == 0) pc = target;
        break;
      }
      case JMP: pc = code[pc]; break;
      case ALOAD: stack[sp - 1] = heap[stack[sp - 1]]; break;
      case ASTORE: sp -= 2; heap[stack[sp]] = stack[sp + 1]; break;
      case INC: locals[code[pc]] += code[pc + 1]; pc += 2; break;
      case HALT: *steps += n; return sp ? stack[sp - 1] : 0;
      default: fprintf(stderr, "bad opcode %d at %d\n", op, pc - 1); exit(1);
    }
  }
}

/* total = sum over i in [1, limit) of the Collatz steps of i */
static void collatz_program(program_t *p) {
  enum { I, N, STEPS, TOTAL, LIMIT };
  p->len = 0;
  emit2(p, PUSH, 1); emit2(p, STORE, I);
  emit2(p, PUSH, 0); emit2(p, STORE, TOTAL);
  int outer = p->len;
  emit2(p, LOAD, I); emit2(p, LOAD, LIMIT); emit(p, LT);
  int to_end = emit_jump(p, JZ);
  emit2(p, LOAD, I); emit2(p, STORE, N);
  emit2(p, PUSH, 0); emit2(p, STORE, STEPS);
  int inner = p->len;
  emit2(p, LOAD, N); emit2(p, PUSH, 1); emit(p, NE);
  int to_inner_end = emit_jump(p, JZ);
  emit2(p, LOAD, N); emit2(p, PUSH, 1); emit(p, AND);
  int to_even = emit_jump(p, JZ);
  emit2(p, LOAD, N); emit2(p, PUSH, 3); emit(p, MUL); emit2(p, PUSH, 1); emit(p, ADD);
  emit2(p, STORE, N);
  int to_next = emit_jump(p, JMP);
  patch(p, to_even);
  emit2(p, LOAD, N); emit2(p, PUSH, 1); emit(p, SHR); emit2(p, STORE, N);
  patch(p, to_next);
  emit(p, INC); emit(p, STEPS); emit(p, 1);
  emit2(p, JMP, inner);
  patch(p, to_inner_end);
  emit2(p, LOAD, TOTAL); emit2(p, LOAD, STEPS); emit(p, ADD); emit2(p, STORE, TOTAL);
  emit(p, INC); emit(p, I); emit(p, 1);
  emit2(p, JMP, outer);
  patch(p, to_end);
  emit2(p, LOAD, TOTAL);
  emit(p, HALT);
}

/* count of primes below limit, by a sieve in heap[0..limit) (heap starts zeroed) */
static void sieve_program(program_t *p) {
  enum { I, J, COUNT, LIMIT };
  p->len = 0;
  emit2(p, PUSH, 2); emit2(p, STORE, I);
  emit2(p, PUSH, 0); emit2(p, STORE, COUNT);
  int outer = p->len;
  emit2(p, LOAD, I); emit2(p, LOAD, LIMIT); emit(p, LT);
  int to_end = emit_jump(p, JZ);
  emit2(p, LOAD, I); emit(p, ALOAD); emit2(p, PUSH, 0); emit(p, NE);
  int to_prime = emit_jump(p, JZ); /* heap[i] == 0: prime */
  int to_next = emit_jump(p, JMP);
  patch(p, to_prime);
  emit(p, INC); emit(p, COUNT); emit(p, 1);
  emit2(p, LOAD, I); emit2(p, LOAD, I); emit(p, MUL); emit2(p, STORE, J);
  int mark = p->len;
  emit2(p, LOAD, J); emit2(p, LOAD, LIMIT); emit(p, LT);
  int to_next2 = emit_jump(p, JZ);
  emit2(p, LOAD, J); emit2(p, PUSH, 1); emit(p, ASTORE);
  emit2(p, LOAD, J); emit2(p, LOAD, I); emit(p, ADD); emit2(p, STORE, J);
  emit2(p, JMP, mark);
  patch(p, to_next);
  patch(p, to_next2);
  emit(p, INC); emit(p, I); emit(p, 1);
  emit2(p, JMP, outer);
  patch(p, to_end);
  emit2(p, LOAD, COUNT);
  emit(p, HALT);
}

int main(int argc, char **argv) {
  long thousands = bench_size(argc, argv, 400, 10);
  program_t prog;
  uint64_t steps = 0;
  int64_t locals[8] = {0};

  collatz_program(&prog);
  locals[4] = thousands * 1000;
  int64_t total = run(prog.code, locals, NULL, &steps);
  printf("collatz steps below %ld: %" PRId64 "\n", thousands * 1000, total);

  int64_t limit = thousands * 4000;
  int64_t *heap = xmalloc((size_t)limit * sizeof *heap);
  memset(heap, 0, (size_t)limit * sizeof *heap);
  memset(locals, 0, sizeof locals);
  sieve_program(&prog);
  locals[3] = limit;
  int64_t primes = run(prog.code, locals, heap, &steps);
  printf("primes below %" PRId64 ": %" PRId64 "\n", limit, primes);
  printf("instructions executed: %" PRIu64 "\n", steps);
  print_checksum("interp", hash_u64(hash_u64(hash_u64(HASH_INIT, (uint64_t)total), (uint64_t)primes), steps));
  free(heap);
  return 0;
}
