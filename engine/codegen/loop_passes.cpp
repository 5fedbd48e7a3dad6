// Counted loops lose their interrupt check; loops over linear memory are versioned for the loop
// vectoriser behind a no-wrap and in-bounds test (loop_passes.h).
#include "engine/codegen/loop_passes.h"

#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/Local.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Utils/LoopUtils.h>
#include <llvm/Transforms/Utils/ScalarEvolutionExpander.h>
#include <llvm/Transforms/Utils/ValueMapper.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "engine/runtime/abi/intrinsics.h"
#include "engine/runtime/abi/vmctx.h"

namespace ws::engine::codegen {
namespace {

// LoopSimplify may put a block of its own (a dedicated exit) between the check and the call.
bool is_interrupt_exit(const llvm::BasicBlock* bb) {
  for (int hops = 0; hops < 4; ++hops) {
    const auto* br = llvm::dyn_cast<llvm::BranchInst>(bb->getFirstNonPHIOrDbg());
    if (!br || br->isConditional()) break;
    bb = br->getSuccessor(0);
  }
  const auto* call = llvm::dyn_cast<llvm::CallInst>(bb->getFirstNonPHIOrDbg());
  const llvm::Function* callee = call ? call->getCalledFunction() : nullptr;
  return callee &&
         callee->getName() == kIntrinsicSymbols[static_cast<size_t>(IntrinsicId::kInterrupted)];
}

// An interrupt check of `loop`: a branch on the volatile flag load to a block that calls
// ws_rt_interrupted (function_emitter.cpp, check_interrupt).
struct Check {
  llvm::BranchInst* branch;
  unsigned stay;  // the successor that continues the loop
};

std::vector<Check> interrupt_checks(const llvm::Loop& loop) {
  std::vector<Check> out;
  for (llvm::BasicBlock* bb : loop.blocks()) {
    auto* br = llvm::dyn_cast<llvm::BranchInst>(bb->getTerminator());
    if (!br || !br->isConditional()) continue;
    auto* cmp = llvm::dyn_cast<llvm::ICmpInst>(br->getCondition());
    auto* flag = cmp ? llvm::dyn_cast<llvm::LoadInst>(cmp->getOperand(0)) : nullptr;
    if (!flag || !flag->isVolatile()) continue;
    for (unsigned i = 0; i < 2; ++i) {
      if (!loop.contains(br->getSuccessor(i)) && is_interrupt_exit(br->getSuccessor(i)) &&
          loop.contains(br->getSuccessor(1 - i))) {
        out.push_back({br, 1 - i});
      }
    }
  }
  return out;
}

// Calls other than LLVM's own non-memory intrinsics (which expand inline) may run without a
// bound or block; a loop containing one keeps its check.
bool calls_anything(const llvm::Loop& loop) {
  for (llvm::BasicBlock* bb : loop.blocks()) {
    for (llvm::Instruction& i : *bb) {
      auto* call = llvm::dyn_cast<llvm::CallBase>(&i);
      if (!call) continue;
      auto* intrinsic = llvm::dyn_cast<llvm::IntrinsicInst>(call);
      if (!intrinsic || llvm::isa<llvm::MemIntrinsic>(intrinsic)) return true;
    }
  }
  return false;
}

// At most 2^32 - 1 taken backedges, i.e. at most 2^32 iterations.
bool fits_32_bits(llvm::ScalarEvolution& se, const llvm::SCEV* count) {
  return !llvm::isa<llvm::SCEVCouldNotCompute>(count) &&
         se.getUnsignedRangeMax(count).getActiveBits() <= 32;
}

void remove_check(const Check& c) {
  llvm::BranchInst* br = c.branch;
  llvm::BasicBlock* exit = br->getSuccessor(1 - c.stay);
  exit->removePredecessor(br->getParent());
  auto* cmp = llvm::cast<llvm::ICmpInst>(br->getCondition());
  auto* flag = llvm::cast<llvm::LoadInst>(cmp->getOperand(0));
  llvm::BranchInst::Create(br->getSuccessor(c.stay), br->getIterator());
  br->eraseFromParent();
  if (cmp->use_empty()) cmp->eraseFromParent();
  if (flag->use_empty()) flag->eraseFromParent();
}

// A direct call to a defined Wasm function ("ws_f<index>", or a lazily compiled body
// "ws_f<index>.body"): its prologue checks the stack limit, which an interrupt sets to the
// maximum, so the call observes the interrupt flag as a loop check would.
bool calls_checked_function(const llvm::Instruction& i) {
  const auto* call = llvm::dyn_cast<llvm::CallInst>(&i);
  const llvm::Function* callee = call ? call->getCalledFunction() : nullptr;
  if (!callee || callee->isIntrinsic()) return false;
  llvm::StringRef name = callee->getName();
  return name.consume_front("ws_f") && !name.empty() && llvm::isDigit(name.front());
}

// True when every iteration of `loop` runs such a call: the call's block dominates every latch.
// The blocks of `loop` that every iteration runs: those that dominate every latch (none when
// the loop has no latch).
llvm::SmallVector<llvm::BasicBlock*, 8> every_iteration_blocks(const llvm::Loop& loop,
                                                               const llvm::DominatorTree& dt) {
  llvm::SmallVector<llvm::BasicBlock*, 4> latches;
  loop.getLoopLatches(latches);
  llvm::SmallVector<llvm::BasicBlock*, 8> out;
  if (latches.empty()) return out;
  for (llvm::BasicBlock* bb : loop.blocks()) {
    if (llvm::all_of(latches, [&](llvm::BasicBlock* l) { return dt.dominates(bb, l); })) {
      out.push_back(bb);
    }
  }
  return out;
}

bool every_iteration_calls(const llvm::Loop& loop, const llvm::DominatorTree& dt) {
  for (llvm::BasicBlock* bb : every_iteration_blocks(loop, dt)) {
    for (const llvm::Instruction& i : *bb) {
      if (calls_checked_function(i)) return true;
    }
  }
  return false;
}

}  // namespace

llvm::PreservedAnalyses CountedLoopChecksPass::run(llvm::Function& f,
                                                   llvm::FunctionAnalysisManager& fam) {
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  bool changed = false;
  for (llvm::Loop* loop : li.getLoopsInPreorder()) {
    if (every_iteration_calls(*loop, dt)) {
      // Only this loop's own checks: those of inner loops are in their own blocks.
      for (const Check& c : interrupt_checks(*loop)) {
        if (li.getLoopFor(c.branch->getParent()) != loop) continue;
        remove_check(c);
        changed = true;
      }
      se.forgetLoop(loop);
      continue;
    }
    if (!loop->isInnermost() || calls_anything(*loop)) continue;
    std::vector<Check> checks = interrupt_checks(*loop);
    if (checks.empty() || !fits_32_bits(se, se.getSymbolicMaxBackedgeTakenCount(loop))) continue;
    for (const Check& c : checks) remove_check(c);
    se.forgetLoop(loop);
    changed = true;
  }
  return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
}

namespace {

// `p` minus constant offsets, when that is a load of a pointer (the runtime context's fields,
// memory records, global cells and linear-memory bases are all loaded pointers).
const llvm::LoadInst* loaded_base(const llvm::Value* p, const llvm::DataLayout& dl,
                                  int64_t* offset) {
  int64_t off = 0;
  const llvm::Value* base = llvm::GetPointerBaseWithConstantOffset(p, off, dl);
  *offset = off;
  return llvm::dyn_cast<llvm::LoadInst>(base);
}

// The memory record (abi::VMMemory*) whose base `v` is, when `v` is a linear memory's base as
// FunctionEmitter::memory_base loads it: vmctx->memories[k]->base.
llvm::Value* memory_record_of_base(const llvm::Value* v, const llvm::DataLayout& dl) {
  int64_t off = 0;
  const llvm::LoadInst* base = loaded_base(v, dl, &off);
  if (!base || off != 0) return nullptr;
  const llvm::LoadInst* record = loaded_base(base->getPointerOperand(), dl, &off);
  if (!record || off != abi::kMemoryBaseOffset) return nullptr;
  const llvm::LoadInst* memories = loaded_base(record->getPointerOperand(), dl, &off);
  if (!memories || off < 0 || off % 8 != 0) return nullptr;
  int64_t ctx_off = 0;
  const llvm::Value* ctx =
      llvm::GetPointerBaseWithConstantOffset(memories->getPointerOperand(), ctx_off, dl);
  const llvm::Function* f = base->getFunction();
  if (ctx != f->getArg(0) || ctx_off != abi::kContextMemoriesOffset) return nullptr;
  return const_cast<llvm::LoadInst*>(record);
}

// A linear-memory access at base + zext(index) + offset, index an affine recurrence of the
// loop with a constant step (or loop-invariant: step 0).
struct LinearAccess {
  llvm::Instruction* inst;
  llvm::Value* base;
  llvm::Value* record;
  const llvm::SCEV* start;  // i32, without its constant term
  int64_t start_constant;   // the i32 start is start + start_constant
  int64_t step;
  uint64_t offset;
  uint64_t bytes;
};

// `s` as rest + *constant (mod 2^32), also through the starts of recurrences of outer loops
// ({c + x,+,s} = c + {x,+,s}).
const llvm::SCEV* split_constant(llvm::ScalarEvolution& se, const llvm::SCEV* s, int64_t* constant,
                                 int depth) {
  *constant = 0;
  if (auto* c = llvm::dyn_cast<llvm::SCEVConstant>(s)) {
    *constant = c->getAPInt().getSExtValue();
    return se.getZero(s->getType());
  }
  if (auto* sum = llvm::dyn_cast<llvm::SCEVAddExpr>(s)) {
    if (auto* c = llvm::dyn_cast<llvm::SCEVConstant>(sum->getOperand(0))) {
      *constant = c->getAPInt().getSExtValue();
      return se.getMinusSCEV(s, c);
    }
  }
  auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(s);
  if (rec && rec->isAffine() && depth < 4) {
    const llvm::SCEV* rest = split_constant(se, rec->getStart(), constant, depth + 1);
    if (*constant != 0) {
      return se.getAddRecExpr(rest, rec->getStepRecurrence(se), rec->getLoop(),
                              llvm::SCEV::FlagAnyWrap);
    }
  }
  return s;
}

std::optional<LinearAccess> linear_access(llvm::Instruction& i, const llvm::Loop& loop,
                                          llvm::ScalarEvolution& se, const llvm::DataLayout& dl) {
  llvm::Value* ptr = llvm::getLoadStorePointerOperand(&i);
  const llvm::SCEV* s = se.getSCEV(ptr);
  auto* base = llvm::dyn_cast<llvm::SCEVUnknown>(se.getPointerBase(s));
  if (!base) return std::nullopt;
  llvm::Value* record = memory_record_of_base(base->getValue(), dl);
  if (!record) return std::nullopt;
  const llvm::SCEV* off = se.getMinusSCEV(s, base);
  uint64_t constant = 0;
  if (auto* add = llvm::dyn_cast<llvm::SCEVAddExpr>(off)) {
    if (add->getNumOperands() != 2) return std::nullopt;
    auto* c = llvm::dyn_cast<llvm::SCEVConstant>(add->getOperand(0));
    if (!c || c->getAPInt().isNegative() || c->getAPInt().getActiveBits() > 33) return std::nullopt;
    constant = c->getAPInt().getZExtValue();
    off = add->getOperand(1);
  }
  auto* zext = llvm::dyn_cast<llvm::SCEVZeroExtendExpr>(off);
  if (!zext || !zext->getOperand()->getType()->isIntegerTy(32)) return std::nullopt;
  const llvm::SCEV* index = zext->getOperand();
  LinearAccess a{&i,       base->getValue(),
                 record,   index,
                 0,        0,
                 constant, dl.getTypeStoreSize(llvm::getLoadStoreType(&i)).getFixedValue()};
  if (!se.isLoopInvariant(index, &loop)) {
    auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(index);
    if (!rec || rec->getLoop() != &loop || !rec->isAffine()) return std::nullopt;
    auto* step = llvm::dyn_cast<llvm::SCEVConstant>(rec->getStepRecurrence(se));
    if (!step || !se.isLoopInvariant(rec->getStart(), &loop)) return std::nullopt;
    a.start = rec->getStart();
    a.step = step->getAPInt().getSExtValue();
  }
  // x + 8 and x + 16 (one i32 base, several constants: the usual unrolled or struct accesses)
  // become zext(x) + 8 and zext(x) + 16 in 64 bits, so the vectoriser sees how they relate.
  a.start = split_constant(se, a.start, &a.start_constant, 0);
  return a;
}

// Accesses that are not to linear memory must be to the runtime's own data (context fields,
// global cells), which never faults: a loaded pointer plus a constant.
bool runtime_data_access(llvm::Instruction& i, const llvm::DataLayout& dl) {
  int64_t off = 0;
  const llvm::LoadInst* base = loaded_base(llvm::getLoadStorePointerOperand(&i), dl, &off);
  return base && base->hasMetadata(llvm::LLVMContext::MD_invariant_load) &&
         !memory_record_of_base(base, dl);
}

// Any access other than to the runtime's data may be to linear memory, and may fault.
bool touches_linear_memory(const llvm::Loop& loop, const llvm::DataLayout& dl) {
  for (llvm::BasicBlock* bb : loop.blocks()) {
    for (llvm::Instruction& i : *bb) {
      if (!i.mayReadOrWriteMemory()) continue;
      if (!llvm::getLoadStorePointerOperand(&i) || !runtime_data_access(i, dl)) return true;
    }
  }
  return false;
}

// Accesses with one i32 recurrence (start and step, constant offsets apart) form a group; the
// test also proves groups disjoint when one of them is written, so that the loop can tell the
// vectoriser, through alias scopes, that they do not alias (its own checks cannot: all of
// linear memory is one object, and their fallback compares a group's loads with its stores).
constexpr size_t kMaxGroups = 6;

struct Candidate {
  llvm::Loop* loop;
  const llvm::SCEV* backedges;
  std::vector<LinearAccess> accesses;
  std::vector<size_t> group_of;  // per access; empty when there are more than kMaxGroups
  std::vector<bool> group_stored;
};

std::optional<Candidate> candidate(llvm::Loop* loop, llvm::ScalarEvolution& se,
                                   const llvm::DataLayout& dl) {
  if (!loop->isInnermost() || !loop->getLoopPreheader() || !loop->getExitingBlock() ||
      calls_anything(*loop)) {
    return std::nullopt;
  }
  Candidate c{loop, se.getBackedgeTakenCount(loop), {}, {}, {}};
  if (!fits_32_bits(se, c.backedges)) return std::nullopt;
  for (llvm::BasicBlock* bb : loop->blocks()) {
    for (llvm::Instruction& i : *bb) {
      if (!i.mayReadOrWriteMemory()) continue;
      bool simple = (llvm::isa<llvm::LoadInst>(i) && llvm::cast<llvm::LoadInst>(i).isSimple()) ||
                    (llvm::isa<llvm::StoreInst>(i) && llvm::cast<llvm::StoreInst>(i).isSimple());
      if (!simple) return std::nullopt;
      if (std::optional<LinearAccess> a = linear_access(i, *loop, se, dl)) {
        c.accesses.push_back(*a);
      } else if (!runtime_data_access(i, dl)) {
        return std::nullopt;
      }
    }
  }
  bool strided = false;
  for (const LinearAccess& a : c.accesses) strided |= a.step != 0;
  if (!strided) return std::nullopt;
  std::vector<size_t> first_of_group;
  for (size_t i = 0; i < c.accesses.size(); ++i) {
    const LinearAccess& a = c.accesses[i];
    size_t g = 0;
    while (g < first_of_group.size()) {
      const LinearAccess& o = c.accesses[first_of_group[g]];
      if (o.start == a.start && o.step == a.step && o.base == a.base) break;
      ++g;
    }
    if (g == first_of_group.size()) {
      first_of_group.push_back(i);
      c.group_stored.push_back(false);
    }
    c.group_of.push_back(g);
    if (llvm::isa<llvm::StoreInst>(a.inst)) c.group_stored[g] = true;
  }
  if (c.group_stored.size() > kMaxGroups) {
    c.group_of.clear();
    c.group_stored.clear();
  }
  return c;
}

// i1: every access of every iteration has an address that does not wrap and lies inside the
// memory. Emitted before the preheader's terminator.
llvm::Value* emit_test(const Candidate& c, llvm::ScalarEvolution& se, const llvm::DataLayout& dl) {
  llvm::Instruction* at = c.loop->getLoopPreheader()->getTerminator();
  llvm::IRBuilder<> b(at);
  llvm::SCEVExpander expander(se, dl, "ws.version");
  llvm::Type* i64 = b.getInt64Ty();
  llvm::Value* backedges =
      b.CreateZExtOrTrunc(expander.expandCodeFor(c.backedges, c.backedges->getType(), at), i64);
  llvm::Value* ok = b.getTrue();
  std::vector<std::pair<llvm::Value*, llvm::Value*>> sizes;  // record -> size in bytes
  // Per group: the lowest and one past the highest byte offset accessed.
  std::vector<std::pair<llvm::Value*, llvm::Value*>> ranges(c.group_stored.size());
  for (size_t i = 0; i < c.accesses.size(); ++i) {
    const LinearAccess& a = c.accesses[i];
    llvm::Value* first =
        b.CreateAdd(b.CreateZExt(expander.expandCodeFor(a.start, b.getInt32Ty(), at), i64),
                    b.getInt64(static_cast<uint64_t>(a.start_constant)));
    llvm::Value* last = b.CreateAdd(first, b.CreateMul(backedges, b.getInt64(a.step)));
    // In 64 bits, exactly (|step| < 2^31, backedges < 2^32): the i32 address is monotonic, so
    // it never wraps iff its first and last values lie in [0, 2^32) (a negative value is a
    // huge unsigned one).
    llvm::Value* limit = b.getInt64(uint64_t{1} << 32);
    ok = b.CreateAnd(ok, b.CreateICmpULT(first, limit));
    ok = b.CreateAnd(ok, b.CreateICmpULT(last, limit));
    llvm::Value* size = nullptr;
    for (auto& [record, bytes] : sizes) {
      if (record == a.record) size = bytes;
    }
    if (!size) {
      size = b.CreateLoad(
          i64, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), a.record, abi::kMemorySizeOffset));
      sizes.emplace_back(a.record, size);
    }
    llvm::Value* top = a.step >= 0 ? last : first;
    llvm::Value* end = b.CreateAdd(top, b.getInt64(a.offset + a.bytes));
    ok = b.CreateAnd(ok, b.CreateICmpULE(end, size));
    if (c.group_of.empty()) continue;
    llvm::Value* begin = b.CreateAdd(a.step >= 0 ? first : last, b.getInt64(a.offset));
    auto& [lo, hi] = ranges[c.group_of[i]];
    lo = lo ? b.CreateBinaryIntrinsic(llvm::Intrinsic::umin, lo, begin) : begin;
    hi = hi ? b.CreateBinaryIntrinsic(llvm::Intrinsic::umax, hi, end) : end;
  }
  for (size_t g = 0; g < ranges.size(); ++g) {
    for (size_t h = g + 1; h < ranges.size(); ++h) {
      if (!c.group_stored[g] && !c.group_stored[h]) continue;
      // Also for groups of different base values: after inlining (-O3) one memory can have two
      // base loads, so distinct values do not prove distinct memories. (Groups of truly
      // different memories then only fail the test when their offsets overlap: the slow copy.)
      ok = b.CreateAnd(ok, b.CreateOr(b.CreateICmpULE(ranges[g].second, ranges[h].first),
                                      b.CreateICmpULE(ranges[h].second, ranges[g].first)));
    }
  }
  return ok;
}

// Clones the loop behind `ok`: `ok` true runs the original loop, false the copy (returned).
llvm::Loop* version(llvm::Loop* loop, llvm::Value* ok, llvm::DominatorTree& dt,
                    llvm::LoopInfo& li) {
  llvm::BasicBlock* test = loop->getLoopPreheader();
  llvm::BasicBlock* fast_ph =
      llvm::SplitBlock(test, test->getTerminator(), &dt, &li, nullptr, "ws.fast.ph");
  llvm::ValueToValueMapTy vmap;
  llvm::SmallVector<llvm::BasicBlock*, 8> blocks;
  llvm::Loop* slow =
      llvm::cloneLoopWithPreheader(fast_ph, test, loop, vmap, ".ws.slow", &li, &dt, blocks);
  llvm::remapInstructionsInBlocks(blocks, vmap);
  auto* slow_ph = llvm::cast<llvm::BasicBlock>(vmap[fast_ph]);
  llvm::Instruction* term = test->getTerminator();
  llvm::BranchInst::Create(fast_ph, slow_ph, ok, term->getIterator());
  term->eraseFromParent();
  llvm::SmallVector<llvm::BasicBlock*, 4> exits;
  loop->getUniqueExitBlocks(exits);
  for (llvm::BasicBlock* exit : exits) {
    for (llvm::PHINode& phi : exit->phis()) {
      for (unsigned i = 0, n = phi.getNumIncomingValues(); i < n; ++i) {
        llvm::BasicBlock* from = phi.getIncomingBlock(i);
        if (!loop->contains(from)) continue;
        llvm::Value* v = phi.getIncomingValue(i);
        llvm::Value* mapped = vmap.lookup(v);
        phi.addIncoming(mapped ? mapped : v, llvm::cast<llvm::BasicBlock>(vmap[from]));
      }
    }
  }
  dt.recalculate(*test->getParent());
  llvm::formDedicatedExitBlocks(loop, &dt, &li, nullptr, true);
  llvm::formDedicatedExitBlocks(slow, &dt, &li, nullptr, true);
  return slow;
}

// Scan loops (scan_loop_checks below): at most 2^16 bytes per step, which bounds the memories
// for which the argument holds to 2^32 - 2^16 bytes.
constexpr int64_t kMaxScanStep = int64_t{1} << 16;
constexpr uint64_t kMaxScanMemoryBytes = (uint64_t{1} << 32) - (uint64_t{1} << 16);

// A linear-memory access that every iteration of `loop` performs (its block dominates every
// latch), at zext(i32 recurrence of `loop`) + offset with a constant step, 0 < |step| <= 2^16.
std::optional<LinearAccess> stepping_access(const llvm::Loop& loop, llvm::ScalarEvolution& se,
                                            const llvm::DominatorTree& dt,
                                            const llvm::DataLayout& dl) {
  for (llvm::BasicBlock* bb : every_iteration_blocks(loop, dt)) {
    for (llvm::Instruction& i : *bb) {
      if (!llvm::isa<llvm::LoadInst>(i) && !llvm::isa<llvm::StoreInst>(i)) continue;
      std::optional<LinearAccess> a = linear_access(i, loop, se, dl);
      if (a && a->step != 0 && a->step >= -kMaxScanStep && a->step <= kMaxScanStep) return a;
    }
  }
  return std::nullopt;
}

// The outermost loop around `loop` (itself included) whose blocks call nothing: a memory's size
// read in its preheader holds until control leaves it.
llvm::Loop* outermost_call_free(llvm::Loop* loop) {
  while (loop->getParentLoop() && !calls_anything(*loop->getParentLoop())) {
    loop = loop->getParentLoop();
  }
  return loop;
}

// In the original loop, now known not to wrap, each address becomes base + (a 64-bit
// recurrence without wrap) + offset, which the vectoriser recognises as consecutive.
void widen_addresses(const Candidate& c, llvm::ScalarEvolution& se, const llvm::DataLayout& dl) {
  llvm::SCEVExpander expander(se, dl, "ws.addr");
  llvm::Type* i64 = llvm::Type::getInt64Ty(c.loop->getHeader()->getContext());
  llvm::SmallVector<llvm::WeakTrackingVH, 16> old;
  llvm::LLVMContext& ctx = c.loop->getHeader()->getContext();
  llvm::MDBuilder md(ctx);
  std::vector<llvm::Metadata*> scopes;
  if (!c.group_of.empty()) {
    llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("ws.memory.version");
    for (size_t g = 0; g < c.group_stored.size(); ++g) {
      scopes.push_back(md.createAnonymousAliasScope(domain));
    }
  }
  for (size_t i = 0; i < c.accesses.size(); ++i) {
    const LinearAccess& a = c.accesses[i];
    if (!scopes.empty()) {
      size_t g = c.group_of[i];
      std::vector<llvm::Metadata*> others;
      for (size_t h = 0; h < scopes.size(); ++h) {
        if (h != g) others.push_back(scopes[h]);
      }
      a.inst->setMetadata(llvm::LLVMContext::MD_alias_scope, llvm::MDNode::get(ctx, scopes[g]));
      a.inst->setMetadata(llvm::LLVMContext::MD_noalias, llvm::MDNode::get(ctx, others));
    }
    const llvm::SCEV* start =
        se.getAddExpr(se.getZeroExtendExpr(a.start, i64),
                      se.getConstant(i64, static_cast<uint64_t>(a.start_constant), true));
    // Every value lies in [0, 2^32): no signed wrap, and no unsigned wrap when counting up.
    auto flags = a.step > 0
                     ? llvm::ScalarEvolution::setFlags(llvm::SCEV::FlagNUW, llvm::SCEV::FlagNSW)
                     : llvm::SCEV::FlagNSW;
    const llvm::SCEV* index =
        a.step == 0 ? start
                    : se.getAddRecExpr(start, se.getConstant(i64, a.step, true), c.loop, flags);
    index = se.getAddExpr(index, se.getConstant(i64, a.offset));
    llvm::Value* v = expander.expandCodeFor(index, i64, a.inst);
    llvm::IRBuilder<> b(a.inst);
    llvm::Value* p = b.CreateInBoundsGEP(b.getInt8Ty(), a.base, v);
    unsigned operand = llvm::isa<llvm::LoadInst>(a.inst) ? 0 : 1;
    if (llvm::isa<llvm::Instruction>(a.inst->getOperand(operand))) {
      old.emplace_back(a.inst->getOperand(operand));
    }
    a.inst->setOperand(operand, p);
  }
  // The 32-bit address arithmetic is dead now; left alone, its recurrences would make the
  // vectoriser add wrap checks for them.
  llvm::RecursivelyDeleteTriviallyDeadInstructionsPermissive(old);
  std::vector<llvm::PHINode*> phis;
  for (llvm::PHINode& phi : c.loop->getHeader()->phis()) phis.push_back(&phi);
  for (llvm::PHINode* phi : phis) llvm::RecursivelyDeleteDeadPHINode(phi);
}

// The innermost loops `keep` accepts, in preorder, collected before a pass changes any.
template <typename Keep>
std::vector<llvm::Loop*> innermost_loops(llvm::LoopInfo& li, Keep keep) {
  std::vector<llvm::Loop*> loops;
  for (llvm::Loop* loop : li.getLoopsInPreorder()) {
    if (loop->isInnermost() && keep(*loop)) loops.push_back(loop);
  }
  return loops;
}

// No vectorising or interleaving: the vectoriser's own wrap and alias checks do not prove
// accesses in bounds, and a vector access could fault before the scalar accesses of earlier
// lanes took effect.
void keep_scalar(llvm::Loop* loop) {
  llvm::addStringMetadataToLoop(loop, "llvm.loop.vectorize.enable", 0);
  llvm::addStringMetadataToLoop(loop, "llvm.loop.interleave.count", 1);
}

}  // namespace

llvm::PreservedAnalyses MemoryVersioningPass::run(llvm::Function& f,
                                                  llvm::FunctionAnalysisManager& fam) {
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  auto& ac = fam.getResult<llvm::AssumptionAnalysis>(f);
  const llvm::DataLayout& dl = f.getDataLayout();
  bool changed = false;
  for (llvm::Loop* loop : innermost_loops(li, [](llvm::Loop&) { return true; })) {
    changed |= llvm::simplifyLoop(loop, &dt, &li, &se, &ac, nullptr, false);
    changed |= llvm::formLCSSA(*loop, dt, &li, &se);
    std::optional<Candidate> c = candidate(loop, se, dl);
    if (!c) {
      if (touches_linear_memory(*loop, dl)) {
        keep_scalar(loop);
        changed = true;
      }
      continue;
    }
    llvm::Value* ok = emit_test(*c, se, dl);
    keep_scalar(version(loop, ok, dt, li));
    se.forgetLoop(loop);
    widen_addresses(*c, se, dl);
    changed = true;
  }
  return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
}

llvm::PreservedAnalyses ScanLoopChecksPass::run(llvm::Function& f,
                                                llvm::FunctionAnalysisManager& fam) {
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  auto& ac = fam.getResult<llvm::AssumptionAnalysis>(f);
  const llvm::DataLayout& dl = f.getDataLayout();
  bool changed = false;
  // One size test per memory record and call-free nest, in the nest's preheader.
  std::map<std::pair<llvm::Loop*, llvm::Value*>, llvm::Value*> small_memory;
  for (llvm::Loop* loop : innermost_loops(
           li, [](llvm::Loop& l) { return !calls_anything(l) && !interrupt_checks(l).empty(); })) {
    // The access first: most loops have none, and need no simplified form or LCSSA then.
    std::optional<LinearAccess> a = stepping_access(*loop, se, dt, dl);
    if (!a) continue;
    llvm::Loop* nest = outermost_call_free(loop);
    changed |= llvm::simplifyLoop(nest, &dt, &li, &se, &ac, nullptr, false);
    changed |= llvm::simplifyLoop(loop, &dt, &li, &se, &ac, nullptr, false);
    changed |= llvm::formLCSSA(*loop, dt, &li, &se);
    if (!loop->getLoopPreheader() || !nest->getLoopPreheader()) continue;
    // The size is read through the access's memory record, which must be available in the
    // preheader that reads it: at -O3 inlining can leave the record's load inside the nest.
    auto available_in = [&](llvm::Loop* l) {
      auto* rec = llvm::dyn_cast<llvm::Instruction>(a->record);
      return !rec || dt.dominates(rec, l->getLoopPreheader()->getTerminator());
    };
    if (!available_in(nest)) nest = loop;
    if (!available_in(nest)) continue;
    llvm::Value*& ok = small_memory[{nest, a->record}];
    if (!ok) {
      llvm::IRBuilder<> b(nest->getLoopPreheader()->getTerminator());
      llvm::Value* size = b.CreateLoad(
          b.getInt64Ty(),
          b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), a->record, abi::kMemorySizeOffset),
          "ws.scan.size");
      ok = b.CreateICmpULE(size, b.getInt64(kMaxScanMemoryBytes), "ws.scan.small");
    }
    version(loop, ok, dt, li);
    for (const Check& c : interrupt_checks(*loop)) remove_check(c);
    dt.recalculate(f);
    se.forgetLoop(loop);
    changed = true;
  }
  return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
}

llvm::PreservedAnalyses RedundantLoopChecksPass::run(llvm::Function& f,
                                                     llvm::FunctionAnalysisManager& fam) {
  auto& li = fam.getResult<llvm::LoopAnalysis>(f);
  auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  std::vector<Check> redundant;
  for (llvm::Loop* loop : li.getLoopsInPreorder()) {
    llvm::SmallVector<llvm::BasicBlock*, 8> every = every_iteration_blocks(*loop, dt);
    std::vector<Check> own;
    for (const Check& c : interrupt_checks(*loop)) {
      if (li.getLoopFor(c.branch->getParent()) == loop) own.push_back(c);
    }
    // The first check (in block order) whose block dominates every latch stays.
    auto kept = std::find_if(own.begin(), own.end(), [&](const Check& c) {
      return llvm::is_contained(every, c.branch->getParent());
    });
    if (kept == own.end()) continue;
    for (auto it = own.begin(); it != own.end(); ++it) {
      if (it != kept) redundant.push_back(*it);
    }
  }
  for (const Check& c : redundant) remove_check(c);
  return redundant.empty() ? llvm::PreservedAnalyses::all() : llvm::PreservedAnalyses::none();
}

}  // namespace ws::engine::codegen
