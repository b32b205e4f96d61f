/* routes.h — handler signature and the handlers of the one route table (routes.c). */
#ifndef RS_ROUTES_H
#define RS_ROUTES_H

#include "http/http.h"

typedef void rs_handler_fn(struct rs_req *r);

rs_handler_fn rs_api_healthz, rs_api_metrics, rs_api_openapi, rs_api_merchant_me;
rs_handler_fn rs_api_order_post, rs_api_order_get;
rs_handler_fn rs_api_shipment_post, rs_api_shipment_get;
rs_handler_fn rs_api_events_post;
rs_handler_fn rs_api_track_get, rs_page_track;
rs_handler_fn rs_api_promise_get;

/* Names of the routes ("POST /v1/events") for metrics. */
const char *const *rs_route_names(int *n);

#endif
