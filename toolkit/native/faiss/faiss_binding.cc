// A thin Node-API binding over libfaiss (Debian's libfaiss-dev, FAISS 1.7.3).
//
// Why not faiss-node: its add()/search() take plain JS arrays (a copy and a conversion per
// call) and search blocks the event loop. Here vectors cross as Float32Array views (no copy:
// FAISS reads the JS buffer in place) and every call that does real work (add, train,
// search, read, write) runs on a libuv worker thread and returns a Promise, so a server
// stays responsive while FAISS uses every core through OpenMP.
//
// Plain node_api.h (C API), no node-addon-api: nothing to install from npm, and the ABI is
// stable across Node versions. The TypeScript side (toolkit/src/retrieval/dense/faiss.ts)
// validates arguments and serialises the calls on one index; this file checks again only
// what would otherwise crash the process (sizes, types) or corrupt an index (NaN, ±Inf).

#include <node_api.h>

#include <faiss/AutoTune.h>
#include <faiss/Index.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using idx_t = faiss::Index::idx_t;  // int64_t; FAISS 1.7.3 has no faiss::idx_t yet

// One FAISS index shared by its JS wrapper and any job in flight: whichever ends last frees
// it, so a wrapper collected while a search runs cannot pull the index from under it.
struct IndexBox {
  std::unique_ptr<faiss::Index> index;
  std::mutex mutex;  // FAISS indexes are not safe for concurrent add + search
};
using IndexRef = std::shared_ptr<IndexBox>;

struct AddonData {
  napi_ref index_constructor = nullptr;
};

// Throws a JS Error for a failed napi call and returns from the calling function.
#define NAPI_CALL(env, call)                                                  \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      const napi_extended_error_info* info = nullptr;                         \
      napi_get_last_error_info((env), &info);                                 \
      bool pending = false;                                                   \
      napi_is_exception_pending((env), &pending);                             \
      if (!pending)                                                           \
        napi_throw_error((env), "ERR_FAISS_NAPI",                             \
                         info && info->error_message ? info->error_message    \
                                                     : "Node-API call failed"); \
      return nullptr;                                                         \
    }                                                                         \
  } while (0)

napi_value Throw(napi_env env, const std::string& message, bool range = false) {
  if (range)
    napi_throw_range_error(env, "ERR_FAISS_ARGUMENT", message.c_str());
  else
    napi_throw_type_error(env, "ERR_FAISS_ARGUMENT", message.c_str());
  return nullptr;
}

// ---- argument readers: each returns false after throwing a JS error ----

bool ReadCount(napi_env env, napi_value value, const char* name, int64_t min, int64_t* out) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || !std::isfinite(number) ||
      number != std::floor(number) || number < double(min) || number > 9007199254740991.0) {
    Throw(env, std::string(name) + " must be an integer >= " + std::to_string(min), true);
    return false;
  }
  *out = int64_t(number);
  return true;
}

bool ReadString(napi_env env, napi_value value, const char* name, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) {
    Throw(env, std::string(name) + " must be a string");
    return false;
  }
  out->resize(length);
  napi_get_value_string_utf8(env, value, out->data(), length + 1, &length);
  return true;
}

bool ReadFloat32Array(napi_env env, napi_value value, const char* name, const float** data, size_t* length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void* raw = nullptr;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &raw, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array) {
    Throw(env, std::string(name) + " must be a Float32Array");
    return false;
  }
  *data = static_cast<const float*>(raw);
  return true;
}

IndexRef* Unwrap(napi_env env, napi_value self) {
  void* raw = nullptr;
  if (napi_unwrap(env, self, &raw) != napi_ok || raw == nullptr) {
    Throw(env, "not a FaissIndex");
    return nullptr;
  }
  return static_cast<IndexRef*>(raw);
}

// NaN would make FAISS's top-k heaps drop or misplace hits without a word; refuse it. Runs
// on the worker thread; the bit test (exponent all ones) is branch-free and vectorises.
void CheckFinite(const float* x, int64_t n, int64_t d, const char* what) {
  const size_t total = size_t(n) * size_t(d);
  uint32_t any = 0;
  for (size_t i = 0; i < total; i++) {
    uint32_t bits;
    std::memcpy(&bits, x + i, 4);
    any |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
  }
  if (!any) return;
  for (size_t i = 0; i < total; i++) {
    if (!std::isfinite(x[i])) {
      throw std::invalid_argument(std::string(what) + " row " + std::to_string(i / size_t(d)) + ", column " +
                                  std::to_string(i % size_t(d)) + " is " + (std::isnan(x[i]) ? "NaN" : "infinite") +
                                  "; FAISS needs finite vectors");
    }
  }
}

// ---- async jobs: work on a libuv thread, settle a Promise on the main thread ----

struct Job {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::vector<napi_ref> keep_alive;                // JS buffers FAISS reads or writes in place
  std::function<void()> execute;                   // worker thread; throws on failure
  std::function<napi_value(napi_env)> resolve;     // main thread; the Promise's value
  std::string error;
};

// OpenMP threads for FAISS, 0 = OpenMP's default (one per core). omp_set_num_threads only
// affects the calling thread, and jobs run on libuv's threads, so each job applies it.
std::atomic<int> requested_threads{0};

void ExecuteJob(napi_env, void* data) {
  Job* job = static_cast<Job*>(data);
  const int threads = requested_threads.load();
  if (threads > 0) omp_set_num_threads(threads);
  try {
    job->execute();
  } catch (const std::exception& e) {
    job->error = e.what();
    if (job->error.empty()) job->error = "FAISS failed";
  } catch (...) {
    job->error = "FAISS failed with an unknown error";
  }
}

void CompleteJob(napi_env env, napi_status status, void* data) {
  std::unique_ptr<Job> job(static_cast<Job*>(data));
  napi_value outcome = nullptr;
  bool ok = status == napi_ok && job->error.empty();
  if (ok) {
    outcome = job->resolve(env);
    if (outcome == nullptr) {  // resolve threw: turn the pending exception into the rejection
      ok = false;
      napi_get_and_clear_last_exception(env, &outcome);
    }
  } else {
    napi_value message;
    const std::string text = status == napi_cancelled ? "cancelled" : job->error;
    napi_create_string_utf8(env, text.c_str(), text.size(), &message);
    napi_create_error(env, nullptr, message, &outcome);
  }
  for (napi_ref ref : job->keep_alive) napi_delete_reference(env, ref);
  if (ok)
    napi_resolve_deferred(env, job->deferred, outcome);
  else
    napi_reject_deferred(env, job->deferred, outcome);
  napi_delete_async_work(env, job->work);
}

// Queues `job` and returns its Promise; `pinned` values stay alive until it settles.
napi_value Queue(napi_env env, std::unique_ptr<Job> job, std::initializer_list<napi_value> pinned) {
  napi_value promise, name;
  NAPI_CALL(env, napi_create_promise(env, &job->deferred, &promise));
  for (napi_value value : pinned) {
    napi_ref ref;
    NAPI_CALL(env, napi_create_reference(env, value, 1, &ref));
    job->keep_alive.push_back(ref);
  }
  NAPI_CALL(env, napi_create_string_utf8(env, "faiss", NAPI_AUTO_LENGTH, &name));
  NAPI_CALL(env, napi_create_async_work(env, nullptr, name, ExecuteJob, CompleteJob, job.get(), &job->work));
  NAPI_CALL(env, napi_queue_async_work(env, job->work));
  job.release();  // CompleteJob owns it now
  return promise;
}

// ---- the FaissIndex class ----

napi_value NewIndexObject(napi_env env, std::unique_ptr<faiss::Index> index) {
  AddonData* addon = nullptr;
  napi_value constructor, external, object;
  NAPI_CALL(env, napi_get_instance_data(env, reinterpret_cast<void**>(&addon)));
  NAPI_CALL(env, napi_get_reference_value(env, addon->index_constructor, &constructor));
  auto box = std::make_shared<IndexBox>();
  box->index = std::move(index);
  NAPI_CALL(env, napi_create_external(env, new IndexRef(box), nullptr, nullptr, &external));
  NAPI_CALL(env, napi_new_instance(env, constructor, 1, &external, &object));
  return object;
}

// Only NewIndexObject constructs one (it passes the index as an external); `new` from JS fails.
napi_value IndexConstructor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  napi_valuetype type = napi_undefined;
  if (argc == 1) napi_typeof(env, argv[0], &type);
  if (type != napi_external) return Throw(env, "use createIndex() or readIndex() to make a FaissIndex");
  void* raw = nullptr;
  NAPI_CALL(env, napi_get_value_external(env, argv[0], &raw));
  NAPI_CALL(env, napi_wrap(env, self, raw,
                           [](napi_env, void* data, void*) { delete static_cast<IndexRef*>(data); },
                           nullptr, nullptr));
  return self;
}

// Reads `this` and the expected arguments of a method.
template <size_t N>
IndexRef* MethodArgs(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  napi_value this_value;
  if (napi_get_cb_info(env, info, &argc, argv, &this_value, nullptr) != napi_ok) return nullptr;
  if (argc < N) {
    Throw(env, "expected " + std::to_string(N) + " arguments, got " + std::to_string(argc));
    return nullptr;
  }
  return Unwrap(env, this_value);
}

// add(x: Float32Array, n) / train(x, n): x holds n rows of `dimension` floats.
napi_value AddOrTrain(napi_env env, napi_callback_info info, bool train) {
  napi_value argv[2];
  IndexRef* ref = MethodArgs(env, info, argv);
  if (!ref) return nullptr;
  const float* x;
  size_t length;
  int64_t n;
  if (!ReadFloat32Array(env, argv[0], "vectors", &x, &length) || !ReadCount(env, argv[1], "n", 0, &n)) return nullptr;
  const int64_t d = (*ref)->index->d;
  if (int64_t(length) % d != 0 || int64_t(length) / d != n)  // divide: n * d could overflow
    return Throw(env, "vectors has " + std::to_string(length) + " floats; " + std::to_string(n) + " rows of dimension " +
                          std::to_string(d) + " need " + std::to_string(n * d), true);
  auto job = std::make_unique<Job>();
  IndexRef box = *ref;
  job->execute = [box, x, n, d, train] {
    CheckFinite(x, n, d, "vectors");
    std::lock_guard<std::mutex> lock(box->mutex);
    if (train) {
      box->index->train(n, x);
    } else {
      if (!box->index->is_trained) throw std::logic_error("the index must be trained before add (call train first)");
      box->index->add(n, x);
    }
  };
  job->resolve = [](napi_env env) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    return undefined;
  };
  return Queue(env, std::move(job), {argv[0]});
}

napi_value Add(napi_env env, napi_callback_info info) { return AddOrTrain(env, info, false); }
napi_value Train(napi_env env, napi_callback_info info) { return AddOrTrain(env, info, true); }

// search(queries: Float32Array, nq, k) → Promise<{distances: Float32Array, labels: BigInt64Array}>
// The result arrays are allocated here (on the JS heap) and FAISS writes straight into them.
napi_value Search(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  IndexRef* ref = MethodArgs(env, info, argv);
  if (!ref) return nullptr;
  const float* x;
  size_t length;
  int64_t nq, k;
  if (!ReadFloat32Array(env, argv[0], "queries", &x, &length) || !ReadCount(env, argv[1], "nq", 0, &nq) ||
      !ReadCount(env, argv[2], "k", 1, &k))
    return nullptr;
  const int64_t d = (*ref)->index->d;
  if (int64_t(length) % d != 0 || int64_t(length) / d != nq)
    return Throw(env, "queries has " + std::to_string(length) + " floats; " + std::to_string(nq) +
                          " queries of dimension " + std::to_string(d) + " need " + std::to_string(nq * d), true);
  if (double(nq) * double(k) > double(1u << 31))
    return Throw(env, "nq * k is " + std::to_string(int64_t(double(nq) * double(k))) + " results, too many for one call; split the queries", true);
  napi_value distances_buffer, labels_buffer, distances, labels;
  void *distances_data, *labels_data;
  const size_t results = size_t(nq) * size_t(k);
  NAPI_CALL(env, napi_create_arraybuffer(env, results * sizeof(float), &distances_data, &distances_buffer));
  NAPI_CALL(env, napi_create_arraybuffer(env, results * sizeof(idx_t), &labels_data, &labels_buffer));
  NAPI_CALL(env, napi_create_typedarray(env, napi_float32_array, results, distances_buffer, 0, &distances));
  NAPI_CALL(env, napi_create_typedarray(env, napi_bigint64_array, results, labels_buffer, 0, &labels));

  auto job = std::make_unique<Job>();
  IndexRef box = *ref;
  auto* out_distances = static_cast<float*>(distances_data);
  auto* out_labels = static_cast<idx_t*>(labels_data);
  job->execute = [box, x, nq, k, d, out_distances, out_labels] {
    CheckFinite(x, nq, d, "queries");
    std::lock_guard<std::mutex> lock(box->mutex);
    if (nq > 0) box->index->search(nq, x, k, out_distances, out_labels);
  };
  // The refs taken by Queue keep both arrays alive; read them back from there.
  job->resolve = [job_ptr = job.get()](napi_env env) -> napi_value {
    napi_value result, value;
    NAPI_CALL(env, napi_create_object(env, &result));
    NAPI_CALL(env, napi_get_reference_value(env, job_ptr->keep_alive[1], &value));
    NAPI_CALL(env, napi_set_named_property(env, result, "distances", value));
    NAPI_CALL(env, napi_get_reference_value(env, job_ptr->keep_alive[2], &value));
    NAPI_CALL(env, napi_set_named_property(env, result, "labels", value));
    return result;
  };
  return Queue(env, std::move(job), {argv[0], distances, labels});
}

// write(path) → Promise<void>: FAISS's own format, readable by Python's faiss.read_index.
napi_value Write(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  IndexRef* ref = MethodArgs(env, info, argv);
  if (!ref) return nullptr;
  std::string path;
  if (!ReadString(env, argv[0], "path", &path)) return nullptr;
  auto job = std::make_unique<Job>();
  IndexRef box = *ref;
  job->execute = [box, path] {
    std::lock_guard<std::mutex> lock(box->mutex);
    faiss::write_index(box->index.get(), path.c_str());
  };
  job->resolve = [](napi_env env) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    return undefined;
  };
  return Queue(env, std::move(job), {});
}

// setParameter(name, value): search-time knobs such as "nprobe" (IVF) or "efSearch" (HNSW).
napi_value SetParameter(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  IndexRef* ref = MethodArgs(env, info, argv);
  if (!ref) return nullptr;
  std::string name;
  double value;
  if (!ReadString(env, argv[0], "name", &name)) return nullptr;
  if (napi_get_value_double(env, argv[1], &value) != napi_ok) return Throw(env, "value must be a number");
  try {
    std::lock_guard<std::mutex> lock((*ref)->mutex);
    faiss::ParameterSpace().set_index_parameter((*ref)->index.get(), name, value);
  } catch (const std::exception& e) {
    return Throw(env, e.what(), true);
  }
  return nullptr;
}

// Getters. They read plain fields without the lock, so they never wait for a search: a read
// racing an add sees the count before or after it (an aligned 64-bit load).
IndexRef* UnwrapThis(napi_env env, napi_callback_info info) {
  napi_value self;
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, nullptr, &self, nullptr) != napi_ok) return nullptr;
  return Unwrap(env, self);
}
napi_value GetNumber(napi_env env, napi_callback_info info, double (*field)(const faiss::Index&)) {
  IndexRef* ref = UnwrapThis(env, info);
  if (!ref) return nullptr;
  napi_value out;
  NAPI_CALL(env, napi_create_double(env, field(*(*ref)->index), &out));
  return out;
}
napi_value Dimension(napi_env env, napi_callback_info info) {
  return GetNumber(env, info, [](const faiss::Index& i) { return double(i.d); });
}
napi_value Ntotal(napi_env env, napi_callback_info info) {
  return GetNumber(env, info, [](const faiss::Index& i) { return double(i.ntotal); });
}
napi_value Metric(napi_env env, napi_callback_info info) {  // faiss::MetricType: 0 inner product, 1 L2
  return GetNumber(env, info, [](const faiss::Index& i) { return double(i.metric_type); });
}
napi_value IsTrained(napi_env env, napi_callback_info info) {
  IndexRef* ref = UnwrapThis(env, info);
  if (!ref) return nullptr;
  napi_value out;
  NAPI_CALL(env, napi_get_boolean(env, (*ref)->index->is_trained, &out));
  return out;
}

// ---- module functions ----

// createIndex(dimension, factory, metric) → FaissIndex (metric: 0 inner product, 1 L2).
napi_value CreateIndex(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 3) return Throw(env, "createIndex(dimension, factory, metric)");
  int64_t d, metric;
  std::string factory;
  if (!ReadCount(env, argv[0], "dimension", 1, &d) || !ReadString(env, argv[1], "factory", &factory) ||
      !ReadCount(env, argv[2], "metric", 0, &metric))
    return nullptr;
  if (metric > 1) return Throw(env, "metric must be 0 (inner product) or 1 (L2)", true);
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::index_factory(int(d), factory.c_str(), faiss::MetricType(metric)));
  } catch (const std::exception& e) {
    return Throw(env, "FAISS index_factory(" + std::to_string(d) + ", \"" + factory + "\"): " + e.what(), true);
  }
  return NewIndexObject(env, std::move(index));
}

// readIndex(path) → Promise<FaissIndex>: any index written by faiss.write_index (C++ or Python).
napi_value ReadIndex(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string path;
  if (argc < 1 || !ReadString(env, argv[0], "path", &path)) return nullptr;
  auto job = std::make_unique<Job>();
  auto loaded = std::make_shared<std::unique_ptr<faiss::Index>>();
  job->execute = [path, loaded] { loaded->reset(faiss::read_index(path.c_str())); };
  job->resolve = [loaded](napi_env env) { return NewIndexObject(env, std::move(*loaded)); };
  return Queue(env, std::move(job), {});
}

// setThreads(n) / getThreads(): OpenMP threads FAISS uses (default: one per core).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t n;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 1 || !ReadCount(env, argv[0], "threads", 1, &n)) return nullptr;
  requested_threads.store(int(std::min<int64_t>(n, 1 << 16)));
  return nullptr;
}
napi_value GetThreads(napi_env env, napi_callback_info) {
  napi_value out;
  const int threads = requested_threads.load();
  NAPI_CALL(env, napi_create_int32(env, threads > 0 ? threads : omp_get_max_threads(), &out));
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  auto* addon = new AddonData();
  NAPI_CALL(env, napi_set_instance_data(
                     env, addon,
                     [](napi_env env, void* data, void*) {
                       auto* addon = static_cast<AddonData*>(data);
                       if (addon->index_constructor) napi_delete_reference(env, addon->index_constructor);
                       delete addon;
                     },
                     nullptr));
  const napi_property_descriptor methods[] = {
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"train", nullptr, Train, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"search", nullptr, Search, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"write", nullptr, Write, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setParameter", nullptr, SetParameter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dimension", nullptr, nullptr, Dimension, nullptr, nullptr, napi_default, nullptr},
      {"ntotal", nullptr, nullptr, Ntotal, nullptr, nullptr, napi_default, nullptr},
      {"metric", nullptr, nullptr, Metric, nullptr, nullptr, napi_default, nullptr},
      {"isTrained", nullptr, nullptr, IsTrained, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value constructor;
  NAPI_CALL(env, napi_define_class(env, "FaissIndex", NAPI_AUTO_LENGTH, IndexConstructor, nullptr,
                                   sizeof(methods) / sizeof(methods[0]), methods, &constructor));
  NAPI_CALL(env, napi_create_reference(env, constructor, 1, &addon->index_constructor));
  const napi_property_descriptor functions[] = {
      {"createIndex", nullptr, CreateIndex, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"readIndex", nullptr, ReadIndex, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"FaissIndex", nullptr, nullptr, nullptr, nullptr, constructor, napi_enumerable, nullptr},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions));
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
