#include "driver/grants.h"

#include "../../runtime/main/grants.h"
#include "codegen/codegen.h"
#include "driver/error.h"
#include "driver/files.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln::driver {

bool writeGrantsObject(const Options& options, const std::string& path) {
  grants::Grants g;
  g.dirs = options.dirs;
  g.env = options.env;
  g.inheritEnv = !options.noInheritEnv;
  g.allowNet = options.allowNet;
  if (options.timeout) g.timeoutNs = static_cast<uint64_t>(options.timeout->count());
  g.fuel = options.fuel;
  if (options.maxMemoryBytes != StoreLimits::kUnlimited) g.maxMemoryBytes = options.maxMemoryBytes;
  if (options.maxStackBytes) g.maxStackBytes = options.maxStackBytes;
  if (g.empty()) return false;
  const std::string data = grants::encode(g);

  std::unique_ptr<llvm::TargetMachine> target;
  try {
    target = codegen::createTargetMachine(options.codegen);
  } catch (const std::exception& e) {
    throw DriverError(e.what());
  }
  llvm::LLVMContext context;
  llvm::Module module("kiln_grants", context);
  module.setTargetTriple(target->getTargetTriple().str());
  module.setDataLayout(target->createDataLayout());
  llvm::Constant* bytes = llvm::ConstantDataArray::getString(context, data, /*AddNull=*/false);
  auto* global = new llvm::GlobalVariable(module, bytes->getType(), /*isConstant=*/true,
                                          llvm::GlobalValue::ExternalLinkage, bytes, grants::kSymbol);
  global->setAlignment(llvm::Align(1));
  OutputFile file(path);
  codegen::emitModule(module, *target, codegen::EmitKind::Object, file.stream());
  file.commit();
  return true;
}

}  // namespace kiln::driver
