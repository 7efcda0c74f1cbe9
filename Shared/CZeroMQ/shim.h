#ifndef STAKELINE_CZEROMQ_SHIM_H
#define STAKELINE_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
