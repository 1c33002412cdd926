// Weight files through typenet::io: save a model, load it into another, compare.
#include "typenet/dsl/seed_net.hpp"
#include "typenet/io/safetensors.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    try {
        using model_t = typenet::model<typenet::dsl::seed_net, typenet::dsl::seed_input>;
        model_t a, b;
        for (std::size_t i = 0; i < a.parameters().size(); ++i)
            a.parameters()[i] = 0.25f * static_cast<float>(i);
        const auto path = std::filesystem::path(argv[1]) / "seed.safetensors";
        typenet::save_safetensors(a, path);
        typenet::load_safetensors(b, path);
        if (!std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin())) {
            std::printf("files: the loaded parameters differ\n");
            return 1;
        }
        std::printf("files: %zu parameters saved and loaded\n", b.parameters().size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "files: %s\n", e.what());
        return 1;
    }
    return 0;
}
