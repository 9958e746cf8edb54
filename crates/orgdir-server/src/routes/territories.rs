//! `/crm/{v}/settings/territories…`: territories (single and bulk), their
//! children, their users (from both sides) and the associated users count.

use super::{
    body_items, body_items_at_most, each_item, item_id, item_results, path_id, query_ids,
    single_item, written,
};
use crate::error::{item_error, json_response, no_content, ApiError, ItemError};
use crate::extract::Path;
use crate::extract::{
    Authed, JsonBody, Params, TerritoriesCreate, TerritoriesDelete, TerritoriesRead,
    TerritoriesUpdate, TerritoryUsersRead, TerritoryUsersUpdate,
};
use crate::routes::users::user_views;
use crate::{views, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use orgdir_core::input::reference;
use orgdir_core::org::Org;
use orgdir_core::paging::Page;
use orgdir_core::service::territories as service;
use orgdir_core::service::users;
use orgdir_core::sessions::Caller;
use orgdir_core::territories::{
    NewTerritory, RuleCriteria, TerritoryDetails, TerritoryFilter, TerritoryPatch, Transfer,
};
use orgdir_core::{Error, Result, ZohoId};
use orgdir_types::territories::{
    DeletedAssociatedTerritoriesPage, TerritoriesBody, TerritoriesPage, Territory,
    TerritoryUsersCount, TerritoryUsersCountPage, UserTerritoriesBody, UserTerritoriesPage,
};
use orgdir_types::Reference;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The territories routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_in_body, delete_many))
        .routes(routes!(associated_users_count))
        .routes(routes!(deleted_associated))
        .routes(routes!(transfer_and_delete_many))
        .routes(routes!(transfer_and_delete_one))
        .routes(routes!(get_one, update_one, delete_one))
        .routes(routes!(children))
        .routes(routes!(members, associate_many, disassociate_many))
        .routes(routes!(member, associate_one, disassociate_one))
        .routes(routes!(
            user_territories,
            user_associate,
            user_disassociate_many
        ))
        .routes(routes!(
            user_territory,
            user_associate_one,
            user_disassociate_one
        ))
}

/// Segment of the territory id in `settings/territories/{id}`.
const TERRITORY_SEGMENT: usize = 2;
/// Segment of the user id in `settings/territories/{id}/users/{user}`.
const MEMBER_SEGMENT: usize = 4;
/// Segment of the user id in `users/{user}/territories`.
const USER_SEGMENT: usize = 1;
/// Segment of the territory id in `users/{user}/territories/{id}`.
const USER_TERRITORY_SEGMENT: usize = 3;
/// Largest `per_page` of the territories list.
const MAX_TERRITORIES_PER_PAGE: u32 = 2000;
/// Most territories one `transfer_and_delete` may delete (Zoho's page).
const MAX_TRANSFERS: usize = 10;
/// Zoho's message for a territory transferred and deleted.
const TRANSFERRED: &str =
    "Given Territory Removed Successfully and its child Territories moved to the another territory";

fn unknown_territory() -> Error {
    Error::invalid_path(TERRITORY_SEGMENT, "the id given seems to be invalid")
}

fn page(params: &Params, max: u32) -> Result<Page> {
    Page::parse(params.get("page"), params.get("per_page"), max)
}

/// Territories in Zoho's shape, with the `*_rule_criteria` keys `keys` names.
fn territory_views(org: &Org, rows: Vec<TerritoryDetails>, keys: RuleCriteria) -> Vec<Territory> {
    rows.into_iter()
        .map(|t| views::territory(org, t, keys))
        .collect()
}

/// The `filters` parameter, parsed.
fn filter(params: &Params) -> Result<Option<TerritoryFilter>> {
    params
        .get("filters")
        .map(TerritoryFilter::parse)
        .transpose()
}

/// The `delete_previous_forecasts` parameter of a delete: `true` or `false`
/// in any letter case (Zoho's Python SDK sends `True`); absent is `false`.
fn delete_previous_forecasts(params: &Params) -> Result<bool> {
    match params.get("delete_previous_forecasts") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(Error::invalid_param(
            "delete_previous_forecasts",
            "delete_previous_forecasts must be true or false",
        )),
    }
}

/// `GET /settings/territories?ids=&filters=&include=&page=&per_page=`
#[utoipa::path(
    operation_id = "territories_list",
    get,
    path = "/crm/{version}/settings/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        crate::openapi::TerritoriesQuery
    ),
    responses(
        (status = 200, description = "A page of territories", body = orgdir_types::territories::TerritoriesPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ"]))
)]
async fn list(
    mut auth: Authed<TerritoriesRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let page = page(&params, MAX_TERRITORIES_PER_PAGE)?;
    let ids = params
        .get("ids")
        .map(|ids| query_ids(ids, "ids", MAX_TERRITORIES_PER_PAGE as usize))
        .transpose()?;
    let filter = filter(&params)?;
    let keys = params
        .get("include")
        .map(RuleCriteria::parse_include)
        .transpose()?
        .unwrap_or_default();
    let (rows, info) =
        service::list(&state.dir, &mut auth.caller, page, ids, filter.as_ref()).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let territories = territory_views(auth.caller.org(), rows, keys);
    Ok(json_response(
        StatusCode::OK,
        &TerritoriesPage { territories, info },
    ))
}

/// `GET /settings/territories/{id}`
#[utoipa::path(
    operation_id = "territories_get_one",
    get,
    path = "/crm/{version}/settings/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id")
    ),
    responses(
        (status = 200, description = "The territory", body = orgdir_types::territories::TerritoriesBody),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ"]))
)]
async fn get_one(
    mut auth: Authed<TerritoriesRead>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let territory = service::get(&state.dir, &mut auth.caller, id)
        .await?
        .ok_or_else(unknown_territory)?;
    let territories = vec![views::territory(
        auth.caller.org(),
        territory,
        RuleCriteria::ALL,
    )];
    Ok(json_response(
        StatusCode::OK,
        &TerritoriesBody { territories },
    ))
}

/// `GET /settings/territories/{id}/__child_territories`
#[utoipa::path(
    operation_id = "territories_children",
    get,
    path = "/crm/{version}/settings/territories/{id}/__child_territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        crate::openapi::ChildTerritoriesQuery
    ),
    responses(
        (status = 200, description = "Direct children", body = orgdir_types::territories::TerritoriesPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ"]))
)]
async fn children(
    mut auth: Authed<TerritoriesRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let page = page(&params, 200)?;
    let filter = filter(&params)?;
    let (rows, info) = service::children(
        &state.dir,
        &mut auth.caller,
        id,
        page,
        filter.as_ref(),
        unknown_territory,
    )
    .await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let territories = territory_views(auth.caller.org(), rows, RuleCriteria::ALL);
    Ok(json_response(
        StatusCode::OK,
        &TerritoriesPage { territories, info },
    ))
}

/// `GET /settings/territories/actions/associated_users_count` (SPEC 4.4):
/// every territory, root first, `count` a string, read from maintained data.
#[utoipa::path(
    operation_id = "territories_associated_users_count",
    get,
    path = "/crm/{version}/settings/territories/actions/associated_users_count",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        crate::openapi::PageQuery
    ),
    responses(
        (status = 200, description = "Every territory, root first; `count` is a string", body = orgdir_types::territories::TerritoryUsersCountPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"]))
)]
async fn associated_users_count(
    mut auth: Authed<TerritoryUsersRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let page = page(&params, 200)?;
    let (rows, info) = service::member_counts(&state.dir, &mut auth.caller, page).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let associated_users_count = rows
        .into_iter()
        .map(|(id, name, count)| TerritoryUsersCount {
            count: count.to_string(),
            territory: Reference {
                name,
                id: id.to_string(),
            },
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &TerritoryUsersCountPage {
            associated_users_count,
            info,
        },
    ))
}

/// `POST /settings/territories` (one result per territory).
#[utoipa::path(
    operation_id = "territories_create",
    post,
    path = "/crm/{version}/settings/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::TerritoriesCreateBody,
    responses(
        (status = 201, description = "Per-item results", body = crate::openapi::WriteResults),
        (status = 200, description = "Some items failed", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.CREATE"]))
)]
async fn create(
    auth: Authed<TerritoriesCreate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "territories", |item, path| async move {
        let new = NewTerritory::from_json(&item, &path)?;
        service::create(dir, caller, new, &path).await
    })
    .await?;
    item_results(
        "territories",
        results,
        "Territory added",
        StatusCode::CREATED,
    )
}

/// `PUT /settings/territories` with ids inside the items.
#[utoipa::path(
    operation_id = "territories_update_in_body",
    put,
    path = "/crm/{version}/settings/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE"]))
)]
async fn update_in_body(
    auth: Authed<TerritoriesUpdate>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = each_item(&body, "territories", |item, path| async move {
        let (id, missing) = item_id(&item, &path)?;
        let patch = TerritoryPatch::from_json(&item, &path)?;
        service::update(dir, caller, id, patch, &path, missing)
            .await
            .map(|()| id)
    })
    .await?;
    item_results("territories", results, "Territory updated", StatusCode::OK)
}

/// `PUT /settings/territories/{id}`
#[utoipa::path(
    operation_id = "territories_update_one",
    put,
    path = "/crm/{version}/settings/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE"]))
)]
async fn update_one(
    auth: Authed<TerritoriesUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("territories");
    let id = path_id(&id, TERRITORY_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "territories").map_err(&to_item)?;
    let patch = TerritoryPatch::from_json(item, "$.territories[0]").map_err(&to_item)?;
    service::update(
        &state.dir,
        &auth.caller,
        id,
        patch,
        "$.territories[0]",
        unknown_territory,
    )
    .await
    .map_err(&to_item)?;
    Ok(written(
        "territories",
        id,
        "Territory updated",
        StatusCode::OK,
    ))
}

/// `DELETE /settings/territories?ids=` (one result per territory).
#[utoipa::path(
    operation_id = "territories_delete_many",
    delete,
    path = "/crm/{version}/settings/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        crate::openapi::DeleteTerritoriesQuery
    ),
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.DELETE"]))
)]
async fn delete_many(
    auth: Authed<TerritoriesDelete>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let ids = params.get("ids").ok_or(Error::RequiredParamMissing {
        param_name: "ids".to_owned(),
    })?;
    let ids = query_ids(ids, "ids", super::MAX_ITEMS)?;
    let forget = delete_previous_forecasts(&params)?;
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let missing = move || Error::InvalidData {
            message: "the id given seems to be invalid".to_owned(),
            details: orgdir_core::Details::Id(id.to_string()),
        };
        let result = service::delete(&state.dir, &auth.caller, id, forget, missing).await;
        results.push(result.map(|()| id));
    }
    item_results("territories", results, "Territory deleted", StatusCode::OK)
}

/// `DELETE /settings/territories/{id}`
#[utoipa::path(
    operation_id = "territories_delete_one",
    delete,
    path = "/crm/{version}/settings/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        crate::openapi::DeleteTerritoryQuery
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.DELETE"]))
)]
async fn delete_one(
    auth: Authed<TerritoriesDelete>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ItemError> {
    let to_item = item_error("territories");
    let id = path_id(&id, TERRITORY_SEGMENT).map_err(&to_item)?;
    let forget = delete_previous_forecasts(&params).map_err(&to_item)?;
    service::delete(&state.dir, &auth.caller, id, forget, unknown_territory)
        .await
        .map_err(&to_item)?;
    Ok(written(
        "territories",
        id,
        "Territory deleted",
        StatusCode::OK,
    ))
}

/// `POST /settings/territories/actions/transfer_and_delete`: 1 to 10
/// items `{"id","transfer_to_id","delete_previous_forecasts"}`, each
/// territory deleted in its own transaction after what it holds moved to
/// its transfer territory (API-DESIGN 160, 161).
#[utoipa::path(
    operation_id = "territories_transfer_and_delete_many",
    post,
    path = "/crm/{version}/settings/territories/actions/transfer_and_delete",
    tag = "territories",
    params(
        crate::openapi::VersionPath
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.DELETE"]))
)]
async fn transfer_and_delete_many(
    auth: Authed<TerritoriesDelete>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let items = body_items_at_most(&body, "territories", MAX_TRANSFERS)?;
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("$.territories[{i}]");
        let result = async {
            let (id, missing) = item_id(item, &path)?;
            let transfer = Transfer::from_json(item, &path)?;
            service::transfer_and_delete(&state.dir, &auth.caller, id, transfer, &path, missing)
                .await
                .map(|()| id)
        };
        results.push(result.await);
    }
    item_results("territories", results, TRANSFERRED, StatusCode::OK)
}

/// `POST /settings/territories/{id}/actions/transfer_and_delete` with one
/// item `{"transfer_to_id","delete_previous_forecasts"}` (an `id` in it is
/// ignored).
#[utoipa::path(
    operation_id = "territories_transfer_and_delete_one",
    post,
    path = "/crm/{version}/settings/territories/{id}/actions/transfer_and_delete",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.DELETE"]))
)]
async fn transfer_and_delete_one(
    auth: Authed<TerritoriesDelete>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ItemError> {
    let to_item = item_error("territories");
    let id = path_id(&id, TERRITORY_SEGMENT).map_err(&to_item)?;
    let item = single_item(&body, "territories").map_err(&to_item)?;
    let path = "$.territories[0]";
    let transfer = Transfer::from_json(item, path).map_err(&to_item)?;
    service::transfer_and_delete(
        &state.dir,
        &auth.caller,
        id,
        transfer,
        path,
        unknown_territory,
    )
    .await
    .map_err(&to_item)?;
    Ok(written("territories", id, TRANSFERRED, StatusCode::OK))
}

/// `GET /settings/territories/actions/deleted_associated_territories`: the
/// deleted territories orgdir remembers (API-DESIGN 163).
#[utoipa::path(
    operation_id = "territories_deleted_associated",
    get,
    path = "/crm/{version}/settings/territories/actions/deleted_associated_territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        crate::openapi::DeletedTerritoriesQuery
    ),
    responses(
        (status = 200, description = "Territories deleted while their previous forecasts were kept, in the order deleted", body = orgdir_types::territories::DeletedAssociatedTerritoriesPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ"]))
)]
async fn deleted_associated(
    mut auth: Authed<TerritoriesRead>,
    params: Params,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let page = page(&params, 200)?;
    let ids = params
        .get("ids")
        .map(|ids| query_ids(ids, "ids", 200))
        .transpose()?;
    let (rows, info) = service::deleted_associated(&state.dir, &mut auth.caller, ids, page).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let org = auth.caller.org();
    let territories = rows
        .into_iter()
        .map(|d| views::deleted_territory(org, d))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &DeletedAssociatedTerritoriesPage { territories, info },
    ))
}

/// `GET /settings/territories/{id}/users`
#[utoipa::path(
    operation_id = "territories_members",
    get,
    path = "/crm/{version}/settings/territories/{id}/users",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        crate::openapi::PageQuery
    ),
    responses(
        (status = 200, description = "Users associated directly", body = orgdir_types::users::UsersPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"]))
)]
async fn members(
    mut auth: Authed<TerritoryUsersRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let page = page(&params, 200)?;
    let (rows, info) =
        service::members(&state.dir, &mut auth.caller, id, page, unknown_territory).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let users = user_views(auth.caller.org(), &rows, Some(info));
    Ok(json_response(StatusCode::OK, &users))
}

/// `GET /settings/territories/{id}/users/{user}`: the user if associated, else 204.
#[utoipa::path(
    operation_id = "territories_member",
    get,
    path = "/crm/{version}/settings/territories/{id}/users/{user}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        ("user" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "The user, if associated", body = orgdir_types::users::UsersBody),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"]))
)]
async fn member(
    mut auth: Authed<TerritoryUsersRead>,
    State(state): State<AppState>,
    Path((_version, id, user)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let user = path_id(&user, MEMBER_SEGMENT)?;
    let found = service::member(&state.dir, &mut auth.caller, id, user, unknown_territory).await?;
    let Some(details) = found else {
        return Ok(no_content());
    };
    let users = user_views(auth.caller.org(), std::slice::from_ref(&details), None);
    Ok(json_response(StatusCode::OK, &users))
}

/// The user references of `{"users":[{"id":…}, …]}` (or `"territories"`), in
/// order, each with its JSON path; malformed ones as errors.
fn references(body: &Value, key: &str) -> Result<Vec<Result<(ZohoId, String)>>> {
    let items = body_items(body, key)?;
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("$.{key}[{i}]");
            match item {
                Value::Object(_) => Ok((item_id(item, &path)?.0, format!("{path}.id"))),
                other => Ok((reference(other, &path)?, path)),
            }
        })
        .collect())
}

/// Runs `service_call` on the well-formed references and merges its results
/// back in order with the malformed ones.
async fn in_order<F, Fut>(
    parsed: Vec<Result<(ZohoId, String)>>,
    service_call: F,
) -> Result<Vec<Result<ZohoId>>>
where
    F: FnOnce(Vec<(ZohoId, String)>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Result<ZohoId>>>>,
{
    let valid: Vec<(ZohoId, String)> = parsed
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    let mut done = service_call(valid).await?.into_iter();
    Ok(parsed
        .into_iter()
        .map(|r| match r {
            Ok(_) => done
                .next()
                .unwrap_or_else(|| Err(Error::Internal("missing result".to_owned()))),
            Err(e) => Err(e),
        })
        .collect())
}

/// `PUT /settings/territories/{id}/users` with `{"users":[{"id":…}]}`.
#[utoipa::path(
    operation_id = "territories_associate_many",
    put,
    path = "/crm/{version}/settings/territories/{id}/users",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn associate_many(
    auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let parsed = references(&body, "users")?;
    let results = in_order(parsed, |users| {
        service::associate(&state.dir, &auth.caller, id, users, unknown_territory)
    })
    .await?;
    item_results("users", results, "User associated", StatusCode::OK)
}

/// `PUT /settings/territories/{id}/users/{user}`.
#[utoipa::path(
    operation_id = "territories_associate_one",
    put,
    path = "/crm/{version}/settings/territories/{id}/users/{user}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        ("user" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn associate_one(
    auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, id, user)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let user = path_id(&user, MEMBER_SEGMENT)?;
    let users = vec![(user, "$.users[0].id".to_owned())];
    let results = Change::Associate
        .apply(&state, &auth.caller, id, users, unknown_territory)
        .await?;
    item_results(
        "users",
        results,
        Change::Associate.message(),
        StatusCode::OK,
    )
}

/// `DELETE /settings/territories/{id}/users?ids=`.
#[utoipa::path(
    operation_id = "territories_disassociate_many",
    delete,
    path = "/crm/{version}/settings/territories/{id}/users",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        crate::openapi::IdsQuery
    ),
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn disassociate_many(
    auth: Authed<TerritoryUsersUpdate>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let ids = params.get("ids").ok_or(Error::RequiredParamMissing {
        param_name: "ids".to_owned(),
    })?;
    let users = query_ids(ids, "ids", super::MAX_ITEMS)?
        .into_iter()
        .enumerate()
        .map(|(i, user)| (user, format!("$.ids[{i}]")))
        .collect();
    let results =
        service::disassociate(&state.dir, &auth.caller, id, users, unknown_territory).await?;
    item_results("users", results, "User removed", StatusCode::OK)
}

/// `DELETE /settings/territories/{id}/users/{user}`.
#[utoipa::path(
    operation_id = "territories_disassociate_one",
    delete,
    path = "/crm/{version}/settings/territories/{id}/users/{user}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("id" = String, Path, description = "Territory id"),
        ("user" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn disassociate_one(
    auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, id, user)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, TERRITORY_SEGMENT)?;
    let user = path_id(&user, MEMBER_SEGMENT)?;
    let users = vec![(user, "$.users[0].id".to_owned())];
    let results = Change::Disassociate
        .apply(&state, &auth.caller, id, users, unknown_territory)
        .await?;
    item_results(
        "users",
        results,
        Change::Disassociate.message(),
        StatusCode::OK,
    )
}

/// Associating a user with a territory, or disassociating them.
#[derive(Debug, Clone, Copy)]
enum Change {
    Associate,
    Disassociate,
}

impl Change {
    /// The success message of one item.
    fn message(self) -> &'static str {
        match self {
            Self::Associate => "User associated",
            Self::Disassociate => "User removed",
        }
    }

    /// Applies the change to `users` of `territory`: one result per user.
    async fn apply(
        self,
        state: &AppState,
        caller: &Caller,
        territory: ZohoId,
        users: Vec<(ZohoId, String)>,
        missing: impl FnOnce() -> Error + Send + 'static,
    ) -> Result<Vec<Result<ZohoId>>> {
        let dir = state.dir.as_ref();
        match self {
            Self::Associate => service::associate(dir, caller, territory, users, missing).await,
            Self::Disassociate => {
                service::disassociate(dir, caller, territory, users, missing).await
            }
        }
    }
}

/// `PUT` or `DELETE /users/{user}/territories/{id}`: one territory of one user.
async fn user_side_one(
    state: &AppState,
    caller: &mut Caller,
    user: &str,
    territory: &str,
    change: Change,
) -> Result<Response, ApiError> {
    let user = path_id(user, USER_SEGMENT)?;
    let territory = path_id(territory, USER_TERRITORY_SEGMENT)?;
    existing_user(state, caller, user).await?;
    let missing =
        || Error::invalid_path(USER_TERRITORY_SEGMENT, "the id given seems to be invalid");
    let users = vec![(user, "$.territories[0].id".to_owned())];
    let results = change
        .apply(state, caller, territory, users, missing)
        .await?;
    let results = results.into_iter().map(|r| r.map(|_| territory)).collect();
    item_results("territories", results, change.message(), StatusCode::OK)
}

fn unknown_user() -> Error {
    Error::invalid_path(USER_SEGMENT, "the id given seems to be invalid")
}

/// Checks the user exists (`INVALID_DATA` on the URL otherwise).
async fn existing_user(state: &AppState, caller: &mut Caller, user: ZohoId) -> Result<()> {
    match users::get(&state.dir, caller, user).await? {
        Some(_) => Ok(()),
        None => Err(unknown_user()),
    }
}

/// `GET /users/{user}/territories`
#[utoipa::path(
    operation_id = "territories_user_territories",
    get,
    path = "/crm/{version}/users/{user}/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id"),
        crate::openapi::PageQuery
    ),
    responses(
        (status = 200, description = "The user's territories", body = orgdir_types::territories::UserTerritoriesPage),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"]))
)]
async fn user_territories(
    mut auth: Authed<TerritoryUsersRead>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = path_id(&user, USER_SEGMENT)?;
    let page = page(&params, 200)?;
    let (rows, info) =
        service::of_user(&state.dir, &mut auth.caller, user, page, unknown_user).await?;
    if rows.is_empty() {
        return Ok(no_content());
    }
    let territories = rows.into_iter().map(views::user_territory).collect();
    Ok(json_response(
        StatusCode::OK,
        &UserTerritoriesPage { territories, info },
    ))
}

/// `GET /users/{user}/territories/{id}`: the territory if associated, else 204.
#[utoipa::path(
    operation_id = "territories_user_territory",
    get,
    path = "/crm/{version}/users/{user}/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id"),
        ("id" = String, Path, description = "Territory id")
    ),
    responses(
        (status = 200, description = "The territory, if associated", body = orgdir_types::territories::UserTerritoriesBody),
        (status = 204, description = "Nothing to list"),
        crate::openapi::ReadErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.READ", "ZohoCRM.users.READ"]))
)]
async fn user_territory(
    mut auth: Authed<TerritoryUsersRead>,
    State(state): State<AppState>,
    Path((_version, user, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = path_id(&user, USER_SEGMENT)?;
    let id = path_id(&id, USER_TERRITORY_SEGMENT)?;
    let found = service::of_user_one(&state.dir, &mut auth.caller, user, id, unknown_user).await?;
    let Some(territory) = found else {
        return Ok(no_content());
    };
    let territories = vec![views::user_territory(territory)];
    Ok(json_response(
        StatusCode::OK,
        &UserTerritoriesBody { territories },
    ))
}

/// Applies `one` (associate or disassociate `user` with one territory) to each territory.
async fn per_territory<F, Fut>(
    territories: Vec<Result<(ZohoId, String)>>,
    one: F,
) -> Result<Vec<Result<ZohoId>>>
where
    F: Fn(ZohoId, String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Result<ZohoId>>>>,
{
    let mut results = Vec::with_capacity(territories.len());
    for item in territories {
        let result = match item {
            Err(e) => Err(e),
            Ok((territory, path)) => match one(territory, path).await {
                Ok(mut r) => r
                    .pop()
                    .unwrap_or_else(|| Err(Error::Internal("missing result".to_owned()))),
                Err(e) => Err(e),
            }
            .map(|_| territory),
        };
        if let Err(e) = &result {
            if e.is_fault() || matches!(e, Error::NoPermission { .. }) {
                return Err(result.err().unwrap_or(Error::Internal(String::new())));
            }
        }
        results.push(result);
    }
    Ok(results)
}

/// `PUT /users/{user}/territories` with `{"territories":[{"id":…}]}`.
#[utoipa::path(
    operation_id = "territories_user_associate",
    put,
    path = "/crm/{version}/users/{user}/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::WriteBody,
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn user_associate(
    mut auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, user)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let user = path_id(&user, USER_SEGMENT)?;
    existing_user(&state, &mut auth.caller, user).await?;
    let territories = references(&body, "territories")?;
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = per_territory(territories, |territory, path| async move {
        let missing = {
            let path = path.clone();
            move || Error::invalid_field(path, "invalid territory")
        };
        service::associate(dir, caller, territory, vec![(user, path)], missing).await
    })
    .await?;
    item_results("territories", results, "User associated", StatusCode::OK)
}

/// `DELETE /users/{user}/territories?ids=`.
#[utoipa::path(
    operation_id = "territories_user_disassociate_many",
    delete,
    path = "/crm/{version}/users/{user}/territories",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id"),
        crate::openapi::IdsQuery
    ),
    responses(
        (status = 200, description = "Per-item results", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn user_disassociate_many(
    mut auth: Authed<TerritoryUsersUpdate>,
    params: Params,
    State(state): State<AppState>,
    Path((_version, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = path_id(&user, USER_SEGMENT)?;
    existing_user(&state, &mut auth.caller, user).await?;
    let ids = params.get("ids").ok_or(Error::RequiredParamMissing {
        param_name: "ids".to_owned(),
    })?;
    let territories = query_ids(ids, "ids", super::MAX_ITEMS)?
        .into_iter()
        .enumerate()
        .map(|(i, t)| Ok((t, format!("$.ids[{i}]"))))
        .collect();
    let (dir, caller) = (state.dir.as_ref(), &auth.caller);
    let results = per_territory(territories, |territory, path| async move {
        let missing = {
            let path = path.clone();
            move || Error::invalid_field(path, "invalid territory")
        };
        service::disassociate(dir, caller, territory, vec![(user, path)], missing).await
    })
    .await?;
    item_results("territories", results, "User removed", StatusCode::OK)
}

/// `PUT /users/{user}/territories/{id}`.
#[utoipa::path(
    operation_id = "territories_user_associate_one",
    put,
    path = "/crm/{version}/users/{user}/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id"),
        ("id" = String, Path, description = "Territory id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn user_associate_one(
    mut auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, user, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    user_side_one(&state, &mut auth.caller, &user, &id, Change::Associate).await
}

/// `DELETE /users/{user}/territories/{id}`.
#[utoipa::path(
    operation_id = "territories_user_disassociate_one",
    delete,
    path = "/crm/{version}/users/{user}/territories/{id}",
    tag = "territories",
    params(
        crate::openapi::VersionPath,
        ("user" = String, Path, description = "User id"),
        ("id" = String, Path, description = "Territory id")
    ),
    responses(
        (status = 200, description = "Per-item result", body = crate::openapi::WriteResults),
        crate::openapi::WriteErrors
    ),
    security(("zoho_oauth" = ["ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE"]))
)]
async fn user_disassociate_one(
    mut auth: Authed<TerritoryUsersUpdate>,
    State(state): State<AppState>,
    Path((_version, user, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    user_side_one(&state, &mut auth.caller, &user, &id, Change::Disassociate).await
}
