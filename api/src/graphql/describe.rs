//! Every type, field, argument, input field and enum value of the schema
//! carries a description; [`undescribed`] lists those that do not (the
//! schema's test in [`crate::schema`] runs it).

#[cfg(test)]
pub(crate) mod tests {
    use async_graphql::Executor;
    use serde_json::Value;

    /// Names of schema elements without a description, by introspection.
    pub(crate) async fn undescribed(schema: &impl Executor) -> Vec<String> {
        let r = schema
            .execute(
                async_graphql::Request::new(
                    "{ __schema { types { name kind description
                    fields { name description args { name description } }
                    inputFields { name description }
                    enumValues { name description } } } }",
                )
                // The whole schema: what the platform admin is shown.
                .data(crate::audience::Audience::PlatformAdmin),
            )
            .await;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let v = r.data.into_json().unwrap_or_default();
        let blank = |d: &Value| d.as_str().is_none_or(|s| s.trim().is_empty());
        let mut out = Vec::new();
        for t in v["__schema"]["types"].as_array().into_iter().flatten() {
            let name = t["name"].as_str().unwrap_or_default();
            // Built-in scalars, and `Upload`: async-graphql's own scalar of the
            // multipart request spec, which it declares without a description.
            if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID", "Upload"].contains(&name) {
                continue;
            }
            if blank(&t["description"]) {
                out.push(name.to_owned());
            }
            for f in t["fields"].as_array().into_iter().flatten() {
                if blank(&f["description"]) {
                    out.push(format!("{name}.{}", f["name"].as_str().unwrap_or_default()));
                }
                for a in f["args"].as_array().into_iter().flatten() {
                    if blank(&a["description"]) {
                        out.push(format!("{name}.{}({})", f["name"].as_str().unwrap_or_default(), a["name"]));
                    }
                }
            }
            for key in ["inputFields", "enumValues"] {
                for f in t[key].as_array().into_iter().flatten() {
                    if blank(&f["description"]) {
                        out.push(format!("{name}.{}", f["name"].as_str().unwrap_or_default()));
                    }
                }
            }
        }
        out
    }
}
