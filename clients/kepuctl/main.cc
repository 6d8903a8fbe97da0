// kepuctl: the command-line client of Kepu. `kepuctl help` lists the commands.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "clients/kepuctl/kepuctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return kepu::ctl::Run(args, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}
