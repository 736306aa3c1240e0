//! What the trade forms offer from the stock model: the open warehouses
//! and the products not discontinued ("name · SKU"), so the new order and
//! the new purchase order forms offer the same lists the same way.

use super::forms::OwnedChoice;
use super::i18n::Tr;
use crate::AppState;

/// Open warehouses and orderable products, read once for a form.
#[derive(Debug)]
pub struct Goods {
    /// A select's choices, `selected_warehouse` chosen.
    pub warehouses: Vec<OwnedChoice>,
    /// (value, label) of each product.
    products: Vec<(String, String)>,
}

impl Goods {
    pub fn read(state: &AppState, selected_warehouse: &str) -> Self {
        state.read_models.stock.read(|stock| Self {
            warehouses: stock
                .warehouses()
                .into_iter()
                .filter(|(_, info)| !info.closed)
                .map(|(id, info)| OwnedChoice {
                    selected: selected_warehouse == id.to_string(),
                    value: id.to_string(),
                    label: info.name.clone(),
                })
                .collect(),
            products: stock
                .products()
                .into_iter()
                .filter(|(_, info)| !info.discontinued)
                .map(|(id, info)| (id.to_string(), format!("{} · {}", info.name, info.sku)))
                .collect(),
        })
    }

    /// A form line's product select: "none" first, `chosen` chosen.
    pub fn product_choices(&self, tr: Tr, chosen: &str) -> Vec<OwnedChoice> {
        let mut choices = vec![OwnedChoice {
            value: String::new(),
            label: tr.t("order-line-none"),
            selected: chosen.is_empty(),
        }];
        choices.extend(self.products.iter().map(|(value, label)| OwnedChoice {
            selected: value == chosen,
            value: value.clone(),
            label: label.clone(),
        }));
        choices
    }
}
